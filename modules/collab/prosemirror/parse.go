package prosemirror

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// md is the goldmark parser: CommonMark, GFM strikethrough (exactly two
// tildes, as markdown-it), and the GFM table and footnote syntax
// recognised so that those blocks are kept verbatim rather than read as
// paragraphs. GFM task list items are recognised by taskItem (goldmark's
// extension also takes "[x](url)" for a check box).
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Footnote),
	goldmark.WithParserOptions(parser.WithInlineParsers(util.Prioritized(strikeParser{}, 500))),
)

// ParseMarkdown reads Markdown into a TipTap document. Blocks in the
// StarterKit set become their nodes; every other top-level block (tables,
// images, raw HTML, footnotes, link reference definitions, and any block
// that contains such things) becomes a markdownBlock holding its exact
// source, so rendering the document gives the Markdown back without loss.
// Line endings are normalised to "\n" and NUL to U+FFFD first, as
// CommonMark prescribes.
func ParseMarkdown(markdown string) *Node {
	doc, _ := parseMarkdown(markdown, nil)
	return doc
}

// ParseMarkdownBlocks is ParseMarkdown that also gives every top-level
// block's own Markdown: blocks[i] is Markdown of a document holding only
// doc.Content[i]. The parse renders most blocks alone anyway (to check
// them), so this costs less than rendering them afterwards.
func ParseMarkdownBlocks(markdown string) (doc *Node, blocks []string) {
	return parseMarkdown(markdown, map[*Node]string{})
}

func parseMarkdown(markdown string, rendered map[*Node]string) (*Node, []string) {
	doc, rawTail := parseDoc(normalizeSource(markdown), rendered)
	stabilize(doc, rawTail, 4, rendered)
	keepListsApart(doc, rawTail)
	if rendered == nil {
		return doc, nil
	}
	blocks := make([]string, len(doc.Content))
	for i, b := range doc.Content {
		md, ok := rendered[b]
		// keepListsApart may have changed a bullet list's rendering since.
		if !ok || hasBulletList(b) {
			md = Markdown(&Node{Type: TypeDoc, Content: []*Node{b}})
		}
		blocks[i] = md
	}
	return doc, blocks
}

func hasBulletList(n *Node) bool {
	if n.Type == TypeBulletList {
		return true
	}
	for _, c := range n.Content {
		if hasBulletList(c) {
			return true
		}
	}
	return false
}

// stabilize replaces a verbatim block whose source, read on its own, is
// not one verbatim block again (goldmark read it differently in its
// context, e.g. lines cut from a setext heading) by what its source reads
// as on its own, so that rendering and parsing again gives the same
// document.
func stabilize(doc *Node, rawTail map[*Node]*gast.List, depth int, rendered map[*Node]string) {
	if depth == 0 {
		return
	}
	var out []*Node
	for _, b := range doc.Content {
		if b.Type != TypeMarkdown {
			out = append(out, b)
			continue
		}
		source, _ := b.Attrs["source"].(string)
		sub, subTail := parseDoc([]byte(source), rendered)
		if len(sub.Content) == 1 && sub.Content[0].Type == TypeMarkdown && sub.Content[0].Attrs["source"] == source {
			out = append(out, b)
			continue
		}
		stabilize(sub, subTail, depth-1, rendered)
		for k, v := range subTail {
			rawTail[k] = v
		}
		out = append(out, sub.Content...)
	}
	doc.Content = out
}

// parseDoc is one reading of the source; see ParseMarkdown. Blocks it
// rendered alone go into rendered, if not nil.
func parseDoc(src []byte, rendered map[*Node]string) (*Node, map[*Node]*gast.List) {
	root := md.Parser().Parse(textReader(src))
	p := &mdParser{src: src}
	// Top-level blocks in source order (goldmark moves footnote
	// definitions into a list at the end; they go back to their place).
	type located struct {
		node  gast.Node
		start int
	}
	var blocks []located
	for c := root.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Kind() == east.KindFootnoteList {
			for f := c.FirstChild(); f != nil; f = f.NextSibling() {
				blocks = append(blocks, located{f, lineStart(src, blockStart(f))})
			}
			continue
		}
		blocks = append(blocks, located{c, lineStart(src, blockStart(c))})
	}
	sort.SliceStable(blocks, func(i, j int) bool { return blocks[i].start < blocks[j].start })

	doc := &Node{Type: TypeDoc}
	var froms []int // where each block of doc.Content starts in src
	// rawTail is the list a verbatim block ends with, if it does.
	rawTail := map[*Node]*gast.List{}
	for i := 0; i < len(blocks); {
		// Blocks that start on the same line share one region.
		j := i + 1
		for j < len(blocks) && blocks[j].start == blocks[i].start {
			j++
		}
		from, end := blocks[i].start, len(src)
		if i == 0 {
			from = 0 // whatever goldmark left out before the first block is in its region
		}
		if j < len(blocks) {
			end = blocks[j].start
		}
		var nodes []*Node
		ok := true
		for _, b := range blocks[i:j] {
			n, bok := p.block(b.node)
			ok = ok && bok
			nodes = append(nodes, n)
		}
		i = j
		// A list right after a verbatim block that ends with an ordered
		// list would continue it when rendered (the serializer always
		// writes "1."): it is kept verbatim too. (A bullet list picks
		// another bullet instead, in keepListsApart.)
		if k := len(doc.Content); ok && k > 0 && doc.Content[k-1].Type == TypeMarkdown && nodes[0].Type == TypeOrderedList {
			if l, isList := rawTail[doc.Content[k-1]]; isList && l.IsOrdered() && l.Marker == '.' {
				ok = false
			}
		}
		if ok && !misreadsHardBreak(src[from:end]) && keepsLetters(src[from:end], nodes, rendered) {
			doc.Content = append(doc.Content, nodes...)
			for range nodes {
				froms = append(froms, from)
			}
			continue
		}
		for k := len(doc.Content) - 1; k >= 0; k-- {
			prev := doc.Content[k].Type
			// A verbatim block right after another one extends it, so the
			// source between them (blank lines) is kept exactly too. One
			// that could continue the list before it (it starts with a
			// list marker or is indented) takes that list in too: the
			// rendered list would not end where the source's did.
			if prev != TypeMarkdown && !((prev == TypeBulletList || prev == TypeOrderedList) && mayContinueList(src[from:end])) {
				break
			}
			from = froms[k]
			for k > 0 && froms[k-1] == from {
				k--
			}
			doc.Content, froms = doc.Content[:k], froms[:k]
		}
		source := trimTrailingBlankLines(trimLeadingBlankLines(string(src[from:end])))
		raw := &Node{Type: TypeMarkdown, Attrs: map[string]any{"source": source}}
		doc.Content = append(doc.Content, raw)
		froms = append(froms, from)
		if l, isList := blocks[j-1].node.(*gast.List); isList {
			rawTail[raw] = l
		}
	}
	if len(doc.Content) == 0 {
		// Nothing goldmark kept (an unreferenced footnote definition...)
		// is still not dropped.
		if source := trimTrailingBlankLines(trimLeadingBlankLines(string(src))); strings.TrimSpace(source) != "" {
			doc.Content = []*Node{{Type: TypeMarkdown, Attrs: map[string]any{"source": source}}}
		} else {
			doc.Content = []*Node{{Type: TypeParagraph}}
		}
	}
	return doc, rawTail
}

// misreadHardBreak is an escaped backslash before a backslash hard break
// ("\\\\\\\n"): goldmark takes it for a soft break and then reads the next
// line's first character as escaped, so blocks holding one stay verbatim.
var misreadHardBreak = regexp.MustCompile(`(?:^|[^\\])(?:\\\\)+\\\n`)

// misreadsHardBreak is misreadHardBreak.Match, skipping the expression on
// the (usual) regions without three backslashes before a line break.
func misreadsHardBreak(region []byte) bool {
	return bytes.Contains(region, []byte("\\\\\\\n")) && misreadHardBreak.Match(region)
}

var listStartRe = regexp.MustCompile(`^(?: {0,3}(?:[-+*]|[0-9]{1,9}[.)])(?:[ \t]|$)| {2,}|\t)`)

// mayContinueList reports whether Markdown rendered right after a list
// (after a blank line) could be read as part of it.
func mayContinueList(region []byte) bool {
	return listStartRe.Match([]byte(trimLeadingBlankLines(string(region))))
}

// keepListsApart drops the bullet character the parser noted on every
// bullet list, except on a list right after another bullet list (or a
// verbatim block ending with one): there it keeps (or picks) a character
// other than the one the previous list is rendered with, since blank
// lines between them do not end a list in CommonMark and the two would
// read back as one.
func keepListsApart(n *Node, rawTail map[*Node]*gast.List) {
	for i, c := range n.Content {
		if c.Type == TypeBulletList {
			own, _ := c.Attrs["bullet"].(string)
			delete(c.Attrs, "bullet")
			prev := ""
			if i > 0 {
				switch p := n.Content[i-1]; p.Type {
				case TypeBulletList:
					if prev, _ = p.Attrs["bullet"].(string); prev == "" {
						prev = "*"
					}
				case TypeMarkdown:
					if l, ok := rawTail[p]; ok && !l.IsOrdered() {
						prev = string([]byte{l.Marker})
					}
				}
			}
			if prev != "" {
				if own == prev || own == "" {
					own = "-"
					if prev == "-" {
						own = "+"
					}
				}
				c.Attrs["bullet"] = own
			}
		}
		keepListsApart(c, rawTail)
	}
}

// keepsLetters is the safety net under the mapping: the block, rendered
// alone, must hold every letter of its source region in order (both with
// entities and escapes decoded). Where it does not (a reference-style link,
// whose label is not rendered; anything goldmark read in a way the
// mapping does not expect), the block is kept verbatim instead.
func keepsLetters(region []byte, nodes []*Node, rendered map[*Node]string) bool {
	md := Markdown(&Node{Type: TypeDoc, Content: nodes})
	if rendered != nil && len(nodes) == 1 {
		rendered[nodes[0]] = md
	}
	return lettersWithin(decodeText(region), decodeText([]byte(md)))
}

// lettersWithin reports whether want's letters are a subsequence of got's
// (got's other characters never equal a letter, so they are simply passed).
func lettersWithin(want, got string) bool {
	// Over a common prefix the greedy match pairs each letter with itself;
	// the rendered block usually is its source, escapes decoded.
	j := 0
	for j < len(want) && j < len(got) && want[j] == got[j] {
		j++
	}
	// Restart after an ASCII byte: a character boundary in both, whatever
	// bytes (valid or not) follow the prefix.
	for j > 0 && want[j-1] >= utf8.RuneSelf {
		j--
	}
	for i := j; i < len(want); {
		c, n := rune(want[i]), 1
		if c >= utf8.RuneSelf {
			c, n = utf8.DecodeRuneInString(want[i:])
			if !unicode.IsLetter(c) {
				i += n
				continue
			}
		} else if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			i++
			continue
		}
		i += n
		for {
			if j >= len(got) {
				return false
			}
			g, m := utf8.DecodeRuneInString(got[j:])
			j += m
			if g == c {
				break
			}
		}
	}
	return true
}

func normalizeSource(s string) []byte {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	return []byte(s)
}

// blockStart is the source offset where a block begins: its recorded
// position, or the first line of any descendant.
func blockStart(b gast.Node) int {
	best := -1
	consider := func(p int) {
		if p >= 0 && (best < 0 || p < best) {
			best = p
		}
	}
	if t, ok := b.(*east.Table); ok && t.FirstChild() != nil {
		// A table takes the position of the paragraph it was cut from.
		b = t.FirstChild()
	}
	consider(b.Pos())
	_ = gast.Walk(b, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if entering && n.Type() == gast.TypeBlock && n.Lines().Len() > 0 {
			consider(n.Lines().At(0).Start)
		}
		return gast.WalkContinue, nil
	})
	if best < 0 {
		return 0
	}
	return best
}

func lineStart(src []byte, pos int) int {
	pos = min(pos, len(src))
	return bytes.LastIndexByte(src[:pos], '\n') + 1
}

func trimLeadingBlankLines(s string) string {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimLeft(s[:i], " \t") != "" {
			return s
		}
		s = s[i+1:]
	}
}

func trimTrailingBlankLines(s string) string {
	for {
		t := strings.TrimRight(s, " \t")
		if strings.HasSuffix(t, "\n") {
			s = t[:len(t)-1]
			continue
		}
		if t == "" {
			return t
		}
		return s
	}
}

// maxParseDepth bounds the nesting of mapped blocks (quotes in lists in
// quotes…), well under what FromY reads (maxDepth).
const maxParseDepth = 100

type mdParser struct {
	src   []byte
	depth int
	// why names the first node that made a block verbatim (for tests).
	why string
}

func (p *mdParser) unsupported(n gast.Node) bool {
	if p.why == "" {
		p.why = n.Kind().String()
	}
	return false
}

// block maps one block; ok is false when it (or anything inside it) is
// outside the set.
func (p *mdParser) block(b gast.Node) (*Node, bool) {
	// Nesting deeper than maxParseDepth (which FromY would not read back
	// whole) stays verbatim.
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, p.unsupported(b)
	}
	switch b := b.(type) {
	case *gast.Paragraph, *gast.TextBlock:
		content, ok := p.inline(b)
		if !ok && p.depth > 1 {
			// Inside a quote or list item, a paragraph outside the set
			// is a verbatim block of its own.
			return p.leafVerbatim(b, gast.KindParagraph)
		}
		return &Node{Type: TypeParagraph, Content: content}, ok
	case *gast.HTMLBlock:
		if p.depth > 1 {
			return p.leafVerbatim(b, gast.KindHTMLBlock)
		}
	case *gast.Heading:
		content, ok := p.inline(b)
		for _, c := range content {
			// A hard break inside a (setext) heading has no ATX form.
			if c.Type == TypeHardBreak {
				return nil, p.unsupported(b)
			}
		}
		return &Node{Type: TypeHeading, Attrs: map[string]any{"level": b.Level}, Content: content}, ok
	case *gast.ThematicBreak:
		return &Node{Type: TypeHorizontalRule}, true
	case *gast.CodeBlock:
		return p.codeBlock(b, nil), true
	case *gast.FencedCodeBlock:
		var lang any
		if b.Info != nil {
			if info := strings.TrimSpace(decodeText(b.Info.Segment.Value(p.src))); info != "" {
				lang = info
			}
		}
		return p.codeBlock(b, lang), true
	case *gast.Blockquote:
		n := &Node{Type: TypeBlockquote}
		for c := b.FirstChild(); c != nil; c = c.NextSibling() {
			cn, ok := p.block(c)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, cn)
		}
		if len(n.Content) == 0 {
			n.Content = []*Node{{Type: TypeParagraph}}
		}
		return n, true
	case *gast.List:
		// As prosemirror-markdown reads it, a list is tight when its first
		// item starts with a (tight) paragraph: a list whose first item is
		// empty is loose.
		tight := b.IsTight
		if first := b.FirstChild(); first == nil || first.FirstChild() == nil {
			tight = false
		}
		n := &Node{Type: TypeBulletList, Attrs: map[string]any{"tight": tight, "bullet": string([]byte{b.Marker})}}
		if b.IsOrdered() {
			n = &Node{Type: TypeOrderedList, Attrs: map[string]any{"start": b.Start, "tight": tight}}
		}
		for c := b.FirstChild(); c != nil; c = c.NextSibling() {
			if p.taskItem(c) {
				return nil, p.unsupported(c)
			}
			item := &Node{Type: TypeListItem}
			for cc := c.FirstChild(); cc != nil; cc = cc.NextSibling() {
				cn, ok := p.block(cc)
				if !ok {
					return nil, false
				}
				item.Content = append(item.Content, cn)
			}
			// TipTap's list item starts with a paragraph.
			if len(item.Content) == 0 {
				item.Content = []*Node{{Type: TypeParagraph}}
			} else if item.Content[0].Type != TypeParagraph {
				return nil, p.unsupported(c.FirstChild())
			}
			n.Content = append(n.Content, item)
		}
		return n, true
	}
	return nil, p.unsupported(b)
}

// leafVerbatim keeps a leaf block nested in a container as a verbatim
// block: its lines without the container's prefixes ("> ", indentation),
// which rendering puts back.
//
// Its lines must read back as the same kind of block on their own: a
// paragraph with lazy continuation lines may not (rendered with the
// prefixes, "A title\n=======" becomes a heading), and then the whole
// top-level block stays verbatim.
func (p *mdParser) leafVerbatim(b gast.Node, kind gast.NodeKind) (*Node, bool) {
	var buf bytes.Buffer
	lines := b.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		buf.Write(seg.Value(p.src))
	}
	if h, ok := b.(*gast.HTMLBlock); ok && h.HasClosure() {
		buf.Write(h.ClosureLine.Value(p.src))
	}
	source := strings.TrimRight(buf.String(), "\n")
	alone := md.Parser().Parse(textReader([]byte(source)))
	if alone.ChildCount() != 1 || alone.FirstChild().Kind() != kind {
		return nil, p.unsupported(b)
	}
	return &Node{Type: TypeMarkdown, Attrs: map[string]any{"source": source}}, true
}

// taskItem reports whether a list item starts with a GFM task list check
// box: "[ ]", "[x]" or "[X]" followed by a space or tab.
func (p *mdParser) taskItem(item gast.Node) bool {
	first := item.FirstChild()
	if first == nil || first.Lines().Len() == 0 {
		return false
	}
	if _, ok := first.(*gast.Paragraph); !ok {
		if _, ok := first.(*gast.TextBlock); !ok {
			return false
		}
	}
	seg := first.Lines().At(0)
	line := seg.Value(p.src)
	return len(line) >= 4 && line[0] == '[' && (line[1] == ' ' || line[1] == 'x' || line[1] == 'X') && line[2] == ']' && (line[3] == ' ' || line[3] == '\t')
}

func (p *mdParser) codeBlock(b gast.Node, lang any) *Node {
	var buf bytes.Buffer
	lines := b.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		buf.Write(seg.Value(p.src))
	}
	code := strings.TrimSuffix(buf.String(), "\n")
	n := &Node{Type: TypeCodeBlock, Attrs: map[string]any{"language": lang}}
	if code != "" {
		n.Content = []*Node{{Type: TypeText, Text: code}}
	}
	return n
}

// inline maps a text block's inline content.
func (p *mdParser) inline(b gast.Node) ([]*Node, bool) {
	// markdown-it trims a paragraph's or heading's source with
	// String.prototype.trim, so Unicode spaces at either end go too.
	if t, ok := b.FirstChild().(*gast.Text); ok {
		v := t.Segment.Value(p.src)
		t.Segment.Start += leadingJSSpaceLen(string(v))
	}
	if t, ok := b.LastChild().(*gast.Text); ok && !t.SoftLineBreak() && !t.HardLineBreak() {
		v := string(t.Segment.Value(p.src))
		t.Segment.Stop -= len(v) - len(trimJSSpaceRight(v))
	}
	var out []*Node
	ok := p.inlineChildren(b, nil, &out)
	return Normalize(&Node{Type: TypeParagraph, Content: out}).Content, ok
}

func (p *mdParser) addText(out *[]*Node, s string, marks []Mark) {
	if s == "" {
		return
	}
	*out = append(*out, &Node{Type: TypeText, Text: s, Marks: marks})
}

func withMark(marks []Mark, m Mark) []Mark {
	out := make([]Mark, 0, len(marks)+1)
	for _, o := range marks {
		if o.Type != m.Type {
			out = append(out, o)
		}
	}
	return append(out, m)
}

func (p *mdParser) inlineChildren(parent gast.Node, marks []Mark, out *[]*Node) bool {
	// Adjacent text segments are decoded together: goldmark may split an
	// escape ("\\" | "[") across two of them, e.g. at the start of a line
	// after a backslash hard break it misread.
	var pending []byte
	flush := func() {
		p.addText(out, decodeText(pending), marks)
		pending = pending[:0]
	}
	defer flush()
	for c := parent.FirstChild(); c != nil; c = c.NextSibling() {
		if _, ok := c.(*gast.Text); !ok {
			flush()
		}
		switch c := c.(type) {
		case *gast.Text:
			raw := c.Segment.Value(p.src)
			hard := c.HardLineBreak()
			// goldmark takes "\\\\\\\n" (an escaped backslash, then a
			// backslash before the newline) for a soft break; count the run.
			if c.SoftLineBreak() && p.oddBackslashesBefore(c.Segment.Stop) {
				raw, hard = raw[:len(raw)-1], true
			}
			pending = append(pending, raw...)
			if !hard && !c.SoftLineBreak() {
				continue
			}
			flush()
			if hard {
				*out = append(*out, &Node{Type: TypeHardBreak, Marks: marks})
			} else if c.SoftLineBreak() {
				p.addText(out, " ", marks)
			}
		case *gast.String:
			s := string(c.Value)
			if !c.IsCode() {
				s = decodeText(c.Value)
			}
			p.addText(out, s, marks)
		case *gast.CodeSpan:
			var buf bytes.Buffer
			for cc := c.FirstChild(); cc != nil; cc = cc.NextSibling() {
				switch t := cc.(type) {
				case *gast.Text:
					v := t.Segment.Value(p.src)
					if bytes.HasSuffix(v, []byte("\n")) {
						buf.Write(v[:len(v)-1])
						buf.WriteByte(' ')
					} else {
						buf.Write(v)
					}
				case *gast.String:
					buf.Write(t.Value)
				default:
					return false
				}
			}
			p.addText(out, buf.String(), withMark(marks, Mark{Type: MarkCode}))
		case *gast.Emphasis:
			t := MarkItalic
			if c.Level == 2 {
				t = MarkBold
			}
			if !p.inlineChildren(c, withMark(marks, Mark{Type: t}), out) {
				return false
			}
		case *east.Strikethrough:
			if !p.inlineChildren(c, withMark(marks, Mark{Type: MarkStrike}), out) {
				return false
			}
		case *gast.Link:
			href := decodeText(c.Destination)
			if !validLink(href) {
				return p.unsupported(c)
			}
			var title any
			if t := decodeText(c.Title); t != "" {
				title = t
			}
			m := Mark{Type: MarkLink, Attrs: map[string]any{"href": normalizeLink(href), "title": title}}
			if !p.inlineChildren(c, withMark(marks, m), out) {
				return false
			}
		case *gast.AutoLink:
			label := string(c.Label(p.src))
			href := label
			if c.AutoLinkType == gast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(label), "mailto:") {
				href = "mailto:" + label
			}
			if !validLink(href) {
				return p.unsupported(c)
			}
			m := Mark{Type: MarkLink, Attrs: map[string]any{"href": normalizeLink(href), "title": nil}}
			p.addText(out, label, withMark(marks, m))
		default:
			// Images, raw HTML, task boxes, footnote references...
			return p.unsupported(c)
		}
	}
	return true
}

func (p *mdParser) oddBackslashesBefore(stop int) bool {
	n := 0
	for i := stop - 1; i >= 0 && p.src[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// validLink is markdown-it's validateLink: no javascript:, vbscript:,
// file: or data: (but data: images) links. A Markdown link to such a URL
// is kept verbatim, never turned into a link mark.
func validLink(href string) bool {
	u := strings.ToLower(strings.TrimSpace(href))
	for _, bad := range []string{"vbscript:", "javascript:", "file:", "data:"} {
		if strings.HasPrefix(u, bad) {
			for _, ok := range []string{"data:image/gif;", "data:image/png;", "data:image/jpeg;", "data:image/webp;"} {
				if strings.HasPrefix(u, ok) {
					return true
				}
			}
			return false
		}
	}
	return true
}

// normalizeLink percent-encodes a link destination as markdown-it's
// normalizeLink does (mdurl.encode): characters outside the URL-safe set
// are UTF-8 percent-encoded, existing %XX escapes are kept.
func normalizeLink(href string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(href); i++ {
		c := href[i]
		switch {
		case c == '%' && i+2 < len(href) && isHex(href[i+1]) && isHex(href[i+2]):
			b.WriteString(href[i : i+3])
			i += 2
		case c < 0x80 && (isWordByte(c) && c != '_' || strings.IndexByte(";/?:@&=+$,-_.!~*'()#", c) >= 0):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decodeText resolves backslash escapes and entity and numeric character
// references in one pass, as CommonMark (and markdown-it) read text.
func decodeText(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && bytes.IndexByte(raw, '&') < 0 {
		return string(raw)
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) && isASCIIPunct(raw[i+1]) {
			b.WriteByte(raw[i+1])
			i++
			continue
		}
		if c == '&' {
			if s, n := entity(raw[i:]); n > 0 {
				b.WriteString(s)
				i += n - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// entity decodes the reference at the start of s, returning its text and
// length (0 when s does not start with one).
func entity(s []byte) (string, int) {
	end := bytes.IndexByte(s, ';')
	if end < 2 || end > 40 {
		return "", 0
	}
	body := string(s[1:end])
	if body[0] == '#' {
		num, base := body[1:], 10
		if num != "" && (num[0] == 'x' || num[0] == 'X') {
			num, base = num[1:], 16
		}
		if num == "" || (base == 10 && len(num) > 7) || (base == 16 && len(num) > 6) {
			return "", 0
		}
		for i := 0; i < len(num); i++ {
			if base == 10 && (num[i] < '0' || num[i] > '9') || base == 16 && !isHex(num[i]) {
				return "", 0
			}
		}
		v, _ := strconv.ParseUint(num, base, 32)
		if !validEntityCode(v) {
			return "\uFFFD", end + 1
		}
		return string(rune(v)), end + 1
	}
	for i := 0; i < len(body); i++ {
		if !(isWordByte(body[i]) && body[i] != '_') {
			return "", 0
		}
	}
	if e, ok := util.LookUpHTML5EntityByName(body); ok {
		return string(e.Characters), end + 1
	}
	return "", 0
}

// validEntityCode is markdown-it's isValidEntityCode.
func validEntityCode(c uint64) bool {
	switch {
	case c >= 0xd800 && c <= 0xdfff, c >= 0xfdd0 && c <= 0xfdef, c&0xffff == 0xffff || c&0xffff == 0xfffe,
		c <= 0x08, c == 0x0b, c >= 0x0e && c <= 0x1f, c >= 0x7f && c <= 0x9f, c > 0x10ffff:
		return false
	}
	return utf8.ValidRune(rune(c))
}

// strikeParser is GFM strikethrough with exactly two tildes, as
// markdown-it reads it (goldmark's own extension also takes one).
type strikeParser struct{}

func (strikeParser) Trigger() []byte { return []byte{'~'} }

func (strikeParser) Parse(_ gast.Node, block text.Reader, pc parser.Context) gast.Node {
	before := block.PrecendingCharacter()
	line, segment := block.PeekLine()
	node := parser.ScanDelimiter(line, before, 1, strikeDelimiters{})
	// A tilde right before belongs to the same run (which is then not
	// two long), unless it is an escaped one.
	src := block.Source()
	escapedBefore := segment.Start >= 2 && src[segment.Start-2] == '\\'
	if node == nil || node.OriginalLength != 2 || before == '~' && !escapedBefore {
		return nil
	}
	node.Segment = segment.WithStop(segment.Start + node.OriginalLength)
	block.Advance(node.OriginalLength)
	pc.PushDelimiter(node)
	return node
}

func (strikeParser) CloseBlock(gast.Node, parser.Context) {}

type strikeDelimiters struct{}

func (strikeDelimiters) IsDelimiter(b byte) bool { return b == '~' }

func (strikeDelimiters) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	return opener.Char == closer.Char
}

func (strikeDelimiters) OnMatch(int) gast.Node { return east.NewStrikethrough() }

func textReader(src []byte) text.Reader { return text.NewReader(src) }
