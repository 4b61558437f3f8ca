package prosemirror

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Update edits a fragment so that it reads as doc (FromY(f) equals
// Normalize(doc)) with few edits, for applying a whole-document save to a
// live Y.Doc without disturbing what did not change: children equal at
// the start and at the end are kept, and so are, in between, children
// that occur once on each side in the same order (patience diff); the
// ones left between those are paired in order: an element of the same
// type is updated in place (attributes set or removed, children diffed
// the same way), a text is edited between its common prefix and suffix (a
// change of marks only is a format, not a rewrite); the rest is deleted
// or inserted.
func Update(tx YTx, f YFragment, doc *Node) error {
	if doc == nil {
		return fmt.Errorf("prosemirror: no document")
	}
	updateChildren(tx, f, Normalize(doc).Content, 0)
	return nil
}

// item is one Y child's worth of ProseMirror content: an element node, or
// the run of text nodes one XmlText holds.
type item struct {
	elem  *Node
	texts []*Node
}

func wantItems(nodes []*Node) []item {
	var out []item
	for i := 0; i < len(nodes); {
		if nodes[i].IsText() {
			j := i
			for j < len(nodes) && nodes[j].IsText() {
				j++
			}
			out = append(out, item{texts: nodes[i:j]})
			i = j
			continue
		}
		out = append(out, item{elem: nodes[i]})
		i++
	}
	return out
}

func haveItem(c YNode, depth int) item {
	nodes := readNode(c, depth)
	if _, ok := c.(YElement); ok && len(nodes) == 1 {
		return item{elem: Normalize(nodes[0])}
	}
	return item{texts: Normalize(&Node{Type: TypeParagraph, Content: nodes}).Content}
}

// looseEqual compares JSON-like values, with null map entries counting as
// absent.
func looseEqual(a, b any) bool {
	am, aok := asMap(a)
	bm, bok := asMap(b)
	if aok || bok {
		if !aok || !bok {
			return false
		}
		for k, v := range am {
			if v != nil && !looseEqual(v, bm[k]) {
				return false
			}
		}
		for k, v := range bm {
			if v != nil && am[k] == nil {
				return false
			}
		}
		return true
	}
	return valuesEqual(a, b)
}

func asMap(v any) (map[string]any, bool) {
	switch v := v.(type) {
	case map[string]any:
		return v, true
	case nil:
		return nil, false
	}
	return nil, false
}

func updateChildren(tx YTx, parent YParent, want []*Node, depth int) {
	wi := wantItems(want)
	have := parent.Children()
	hi := make([]item, len(have))
	hk := make([]string, len(have))
	for i, c := range have {
		hi[i] = haveItem(c, depth)
		hk[i] = itemKey(hi[i])
	}
	wk := make([]string, len(wi))
	for j, w := range wi {
		wk[j] = itemKey(w)
	}
	var segs []segment
	align(hk, wk, 0, len(hk), 0, len(wk), &segs)
	// Right to left, so the indices of what lies to the left stay valid.
	for s := len(segs) - 1; s >= 0; s-- {
		g := segs[s]
		nh, nw := g.h1-g.h0, g.w1-g.w0
		k := 0
		for ; k < nh && k < nw; k++ {
			idx := g.h0 + k
			h, w := have[idx], wi[g.w0+k]
			if el, ok := h.(YElement); ok && w.elem != nil && el.NodeName() == w.elem.Type {
				updateElement(tx, el, w.elem, depth+1)
				continue
			}
			if t, ok := h.(YText); ok && w.elem == nil {
				updateText(tx, t, hi[idx].texts, w.texts)
				continue
			}
			tx.Delete(parent, idx, 1)
			writeItem(tx, parent, idx, w)
		}
		if nh > nw {
			tx.Delete(parent, g.h0+k, nh-nw)
		}
		for ; k < nw; k++ {
			writeItem(tx, parent, g.h0+k, wi[g.w0+k])
		}
	}
}

// segment is a run of have items [h0,h1) to turn into want items [w0,w1),
// pairing them in order.
type segment struct{ h0, h1, w0, w1 int }

// align splits have[h0:h1] → want[w0:w1] into segments around equal
// items: the common prefix and suffix, then, in between, items that occur
// once on each side, in the longest run that keeps their order (patience
// diff); what lies between those anchors is aligned the same way, and
// paired in order when no anchor is left.
func align(hk, wk []string, h0, h1, w0, w1 int, segs *[]segment) {
	for h0 < h1 && w0 < w1 && hk[h0] == wk[w0] {
		h0, w0 = h0+1, w0+1
	}
	for h0 < h1 && w0 < w1 && hk[h1-1] == wk[w1-1] {
		h1, w1 = h1-1, w1-1
	}
	if h0 == h1 && w0 == w1 {
		return
	}
	anchors := uniqueAnchors(hk, wk, h0, h1, w0, w1)
	if len(anchors) == 0 {
		*segs = append(*segs, segment{h0, h1, w0, w1})
		return
	}
	ph, pw := h0, w0
	for _, a := range anchors {
		align(hk, wk, ph, a[0], pw, a[1], segs)
		ph, pw = a[0]+1, a[1]+1
	}
	align(hk, wk, ph, h1, pw, w1, segs)
}

// uniqueAnchors returns the pairs (i, j) of keys that occur exactly once in
// hk[h0:h1] and once in wk[w0:w1], the longest sequence increasing in both.
func uniqueAnchors(hk, wk []string, h0, h1, w0, w1 int) [][2]int {
	type seen struct{ nh, nw, i, j int }
	m := map[string]*seen{}
	for i := h0; i < h1; i++ {
		e := m[hk[i]]
		if e == nil {
			e = &seen{}
			m[hk[i]] = e
		}
		e.nh++
		e.i = i
	}
	for j := w0; j < w1; j++ {
		if e := m[wk[j]]; e != nil {
			e.nw++
			e.j = j
		}
	}
	var pairs [][2]int
	for i := h0; i < h1; i++ {
		if e := m[hk[i]]; e.nh == 1 && e.nw == 1 {
			pairs = append(pairs, [2]int{i, e.j})
		}
	}
	// Longest increasing subsequence on j (pairs are sorted by i).
	tails := []int{} // index into pairs of the tail of each length
	prev := make([]int, len(pairs))
	for k, p := range pairs {
		lo, hi := 0, len(tails)
		for lo < hi {
			mid := (lo + hi) / 2
			if pairs[tails[mid]][1] < p[1] {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		prev[k] = -1
		if lo > 0 {
			prev[k] = tails[lo-1]
		}
		if lo == len(tails) {
			tails = append(tails, k)
		} else {
			tails[lo] = k
		}
	}
	if len(tails) == 0 {
		return nil
	}
	out := make([][2]int, len(tails))
	for k, n := tails[len(tails)-1], len(tails)-1; n >= 0; k, n = prev[k], n-1 {
		out[n] = pairs[k]
	}
	return out
}

// itemKey is a canonical text of an item, equal for items nodesEqual
// deems equal.
func itemKey(it item) string {
	var b strings.Builder
	if it.elem != nil {
		writeKey(&b, it.elem)
	} else {
		b.WriteString("T")
		for _, t := range it.texts {
			writeKey(&b, t)
		}
	}
	return b.String()
}

func writeKey(b *strings.Builder, n *Node) {
	b.WriteByte('(')
	writeKeyString(b, n.Type)
	writeValueKey(b, n.Attrs)
	if n.IsText() {
		writeKeyString(b, n.Text)
		for _, m := range n.Marks {
			writeKeyString(b, m.Type)
			writeValueKey(b, m.Attrs)
		}
	}
	for _, c := range n.Content {
		writeKey(b, c)
	}
	b.WriteByte(')')
}

// writeKeyString writes s length-prefixed: unambiguous, and without the
// cost of quoting a chapter's text.
func writeKeyString(b *strings.Builder, s string) {
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteByte(':')
	b.WriteString(s)
}

// writeValueKey writes a JSON-like value with null map entries left out
// and numbers by value, as looseEqual compares.
func writeValueKey(b *strings.Builder, v any) {
	if f, ok := number(v); ok {
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		return
	}
	switch v := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		for _, k := range sortedKeys(v) {
			if v[k] == nil {
				continue
			}
			writeKeyString(b, k)
			b.WriteByte(':')
			writeValueKey(b, v[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for _, x := range v {
			writeValueKey(b, x)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case nil:
		b.WriteString("{}") // an absent map is an empty one
	default:
		j, _ := json.Marshal(v)
		b.Write(j)
	}
}

func writeItem(tx YTx, parent YParent, index int, w item) {
	if w.elem != nil {
		writeElement(tx, parent, index, w.elem)
		return
	}
	writeChildren(tx, parent, index, w.texts)
}

func updateElement(tx YTx, el YElement, want *Node, depth int) {
	have := el.Attributes()
	for _, k := range sortedKeys(want.Attrs) {
		if v := want.Attrs[k]; v != nil && !looseEqual(have[k], v) {
			tx.SetAttribute(el, k, cloneValue(v))
		}
	}
	for _, k := range sortedKeys(have) {
		if have[k] != nil && want.Attr(k) == nil {
			tx.RemoveAttribute(el, k)
		}
	}
	updateChildren(tx, el, want.Content, depth)
}

// unit is one UTF-16 code unit of a text with its formatting attributes.
type unit struct {
	c     uint16
	attrs map[string]any
}

func textUnits(texts []*Node) []unit {
	var out []unit
	for _, t := range texts {
		a := marksToAttrs(t.Marks)
		for _, c := range utf16.Encode([]rune(t.Text)) {
			out = append(out, unit{c, a})
		}
	}
	return out
}

func unitsEqual(a, b unit) bool { return a.c == b.c && looseEqual(a.attrs, b.attrs) }

func updateText(tx YTx, t YText, have, want []*Node) {
	hu, wu := textUnits(have), textUnits(want)
	p := 0
	for p < len(hu) && p < len(wu) && unitsEqual(hu[p], wu[p]) {
		p++
	}
	s := 0
	for s < len(hu)-p && s < len(wu)-p && unitsEqual(hu[len(hu)-1-s], wu[len(wu)-1-s]) {
		s++
	}
	// Never cut a surrogate pair.
	if p > 0 && utf16.IsSurrogate(rune(hu[p-1].c)) && hu[p-1].c < 0xdc00 {
		p--
	}
	if s > 0 && utf16.IsSurrogate(rune(hu[len(hu)-s].c)) && hu[len(hu)-s].c >= 0xdc00 {
		s--
	}
	hm, wm := hu[p:len(hu)-s], wu[p:len(wu)-s]
	sameText := len(hm) == len(wm)
	for i := 0; sameText && i < len(hm); i++ {
		sameText = hm[i].c == wm[i].c
	}
	if sameText {
		// Marks changed only: format the runs.
		for i := 0; i < len(wm); {
			j := i + 1
			for j < len(wm) && looseEqual(wm[j].attrs, wm[i].attrs) && looseEqual(hm[j].attrs, hm[i].attrs) {
				j++
			}
			if !looseEqual(hm[i].attrs, wm[i].attrs) {
				attrs := map[string]any{}
				for k := range hm[i].attrs {
					attrs[k] = nil
				}
				for k, v := range wm[i].attrs {
					attrs[k] = v
				}
				tx.TextFormat(t, p+i, j-i, attrs)
			}
			i = j
		}
		return
	}
	if len(hm) > 0 {
		tx.TextDelete(t, p, len(hm))
	}
	pos := p
	for i := 0; i < len(wm); {
		j := i + 1
		for j < len(wm) && looseEqual(wm[j].attrs, wm[i].attrs) {
			j++
		}
		cs := make([]uint16, j-i)
		for k := range cs {
			cs[k] = wm[i+k].c
		}
		tx.TextInsert(t, pos, string(utf16.Decode(cs)), cloneAttrs(wm[i].attrs))
		pos += j - i
		i = j
	}
}
