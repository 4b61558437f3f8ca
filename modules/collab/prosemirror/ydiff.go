package prosemirror

import (
	"fmt"
	"unicode/utf16"
)

// Update edits a fragment so that it reads as doc (FromY(f) equals
// Normalize(doc)) with few edits, for applying a whole-document save to a
// live Y.Doc without disturbing what did not change: children equal at
// the start and at the end are kept; the ones between are paired in
// order, an element of the same type is updated in place (attributes
// set or removed, children diffed the same way), a text is edited
// between its common prefix and suffix (a change of marks only is a
// format, not a rewrite); the rest is deleted or inserted.
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

func itemsEqual(a, b item) bool {
	if (a.elem == nil) != (b.elem == nil) {
		return false
	}
	if a.elem != nil {
		return nodesEqual(a.elem, b.elem)
	}
	return nodeListsEqual(a.texts, b.texts)
}

// nodesEqual compares two nodes as they are stored in Y.js: null
// attributes count as absent, marks only on text.
func nodesEqual(a, b *Node) bool {
	if a.Type != b.Type || a.Text != b.Text || !looseEqual(a.Attrs, b.Attrs) {
		return false
	}
	if a.IsText() {
		if len(a.Marks) != len(b.Marks) {
			return false
		}
		for i := range a.Marks {
			if a.Marks[i].Type != b.Marks[i].Type || !looseEqual(a.Marks[i].Attrs, b.Marks[i].Attrs) {
				return false
			}
		}
	}
	return nodeListsEqual(a.Content, b.Content)
}

func nodeListsEqual(a, b []*Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !nodesEqual(a[i], b[i]) {
			return false
		}
	}
	return true
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
	for i, c := range have {
		hi[i] = haveItem(c, depth)
	}
	p := 0
	for p < len(hi) && p < len(wi) && itemsEqual(hi[p], wi[p]) {
		p++
	}
	s := 0
	for s < len(hi)-p && s < len(wi)-p && itemsEqual(hi[len(hi)-1-s], wi[len(wi)-1-s]) {
		s++
	}
	nh, nw := len(hi)-p-s, len(wi)-p-s
	k := 0
	for ; k < nh && k < nw; k++ {
		idx := p + k
		h, w := have[idx], wi[idx]
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
		tx.Delete(parent, p+k, nh-nw)
	}
	for ; k < nw; k++ {
		writeItem(tx, parent, p+k, wi[p+k])
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
