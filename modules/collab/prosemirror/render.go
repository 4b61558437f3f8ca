package prosemirror

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RenderOptions are prosemirror-markdown's serializer options that apply.
type RenderOptions struct {
	// TightLists renders lists without a blank line between items when
	// the list node has no tight attribute (TipTap's lists have none).
	TightLists bool
}

// Markdown renders a document as prosemirror-markdown's
// defaultMarkdownSerializer does (with TipTap's node and mark names, GFM
// strikethrough, and the verbatim block), with its default options.
func Markdown(doc *Node) string { return RenderOptions{}.Markdown(doc) }

// Markdown renders a document with these options.
func (o RenderOptions) Markdown(doc *Node) string {
	if doc == nil {
		return ""
	}
	s := &serializer{opts: o}
	s.renderContent(Normalize(doc))
	return string(s.out)
}

// markSpec is a mark's serialization, as in prosemirror-markdown.
type markSpec struct {
	open, close func(s *serializer, m Mark, parent *Node, index int) string
	mixable     bool
	expel       bool // expelEnclosingWhitespace
	noEscape    bool // escape: false
}

func constMark(open, close string, expel bool) markSpec {
	return markSpec{
		open:    func(*serializer, Mark, *Node, int) string { return open },
		close:   func(*serializer, Mark, *Node, int) string { return close },
		mixable: true, expel: expel,
	}
}

var markSpecs map[string]markSpec

// blankMark renders an unknown mark as nothing (the serializer's
// non-strict mode), keeping its text.
var blankMark = constMark("", "", false)

func init() {
	markSpecs = map[string]markSpec{
		MarkItalic: constMark("*", "*", true),
		MarkBold:   constMark("**", "**", true),
		MarkStrike: constMark("~~", "~~", true),
		MarkLink: {
			open: func(s *serializer, m Mark, parent *Node, index int) string {
				s.inAutolink = isPlainURL(m, parent, index)
				if s.inAutolink {
					return "<"
				}
				return "["
			},
			close: func(s *serializer, m Mark, parent *Node, index int) string {
				in := s.inAutolink
				s.inAutolink = false
				if in {
					return ">"
				}
				out := "](" + escapeHref(attrString(m.Attrs, "href"))
				if t := attrString(m.Attrs, "title"); t != "" {
					out += ` "` + strings.ReplaceAll(t, `"`, `\"`) + `"`
				}
				return out + ")"
			},
			mixable: true,
		},
		MarkCode: {
			open: func(_ *serializer, _ Mark, parent *Node, index int) string {
				return backticksFor(parent.Content[index], -1)
			},
			close: func(_ *serializer, _ Mark, parent *Node, index int) string {
				return backticksFor(parent.Content[index-1], 1)
			},
			noEscape: true,
		},
	}
}

func getMark(name string) markSpec {
	if m, ok := markSpecs[name]; ok {
		return m
	}
	return blankMark
}

func attrString(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

func escapeHref(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		if c := h[i]; c == '(' || c == ')' || c == '"' {
			b.WriteByte('\\')
		}
		b.WriteByte(h[i])
	}
	return b.String()
}

func backticksFor(n *Node, side int) string {
	length := 0
	if n.IsText() {
		run := 0
		for i := 0; i < len(n.Text); i++ {
			if n.Text[i] == '`' {
				run++
				length = max(length, run)
			} else {
				run = 0
			}
		}
	}
	var b strings.Builder
	if length > 0 && side > 0 {
		b.WriteString(" `")
	} else {
		b.WriteString("`")
	}
	b.WriteString(strings.Repeat("`", length))
	if length > 0 && side < 0 {
		b.WriteString(" ")
	}
	return b.String()
}

var schemeRe = regexp.MustCompile(`^[A-Za-z0-9_]+:`)

func isPlainURL(link Mark, parent *Node, index int) bool {
	href := attrString(link.Attrs, "href")
	if attrString(link.Attrs, "title") != "" || !schemeRe.MatchString(href) {
		return false
	}
	content := parent.Content[index]
	if !content.IsText() || content.Text != href || len(content.Marks) == 0 || !content.Marks[len(content.Marks)-1].Eq(link) {
		return false
	}
	return index == len(parent.Content)-1 || !markInSet(link, parent.Content[index+1].Marks)
}

// serializer is prosemirror-markdown's MarkdownSerializerState.
type serializer struct {
	opts         RenderOptions
	out          []byte
	delim        string
	closed       *Node
	inAutolink   bool
	atBlockStart bool
	inTightList  bool
}

func (s *serializer) atBlank() bool { return len(s.out) == 0 || s.out[len(s.out)-1] == '\n' }

func (s *serializer) flushClose(size int) {
	if s.closed == nil {
		return
	}
	if !s.atBlank() {
		s.out = append(s.out, '\n')
	}
	if size > 1 {
		delimMin := trimJSSpaceRight(s.delim)
		for i := 1; i < size; i++ {
			s.out = append(s.out, delimMin...)
			s.out = append(s.out, '\n')
		}
	}
	s.closed = nil
}

func (s *serializer) wrapBlock(delim string, firstDelim *string, node *Node, f func()) {
	old := s.delim
	if firstDelim != nil {
		s.write(*firstDelim)
	} else {
		s.write(delim)
	}
	s.delim += delim
	f()
	s.delim = old
	s.closeBlock(node)
}

func (s *serializer) write(content string) {
	s.flushClose(2)
	if s.delim != "" && s.atBlank() {
		s.out = append(s.out, s.delim...)
	}
	s.out = append(s.out, content...)
}

func (s *serializer) closeBlock(n *Node) { s.closed = n }

func (s *serializer) text(text string, escape bool) {
	for {
		line, rest, more := strings.Cut(text, "\n")
		s.write("")
		// Escape exclamation marks in front of links.
		if !escape && strings.HasPrefix(line, "[") && endsWithUnescapedBang(s.out) {
			s.out = append(s.out[:len(s.out)-1], `\!`...)
		}
		switch {
		case !escape:
			s.out = append(s.out, line...)
		case s.atBlockStart:
			s.out = append(s.out, s.esc(line, true)...)
		default:
			s.out = appendEscaped(s.out, line)
		}
		if !more {
			return
		}
		s.out = append(s.out, '\n')
		text = rest
	}
}

func endsWithUnescapedBang(out []byte) bool {
	n := len(out)
	return n > 0 && out[n-1] == '!' && (n == 1 || out[n-2] != '\\')
}

func (s *serializer) render(node, parent *Node, index int) {
	switch node.Type {
	case TypeBlockquote:
		s.wrapBlock("> ", nil, node, func() { s.renderContent(node) })
	case TypeCodeBlock:
		text := node.TextContent()
		fence := codeFence(text)
		s.write(fence + attrString(node.Attrs, "language") + "\n")
		s.text(text, false)
		s.write("\n")
		s.write(fence)
		s.closeBlock(node)
	case TypeHeading:
		n, _ := number(node.Attr("level"))
		s.write(strings.Repeat("#", int(max(0, min(n, 64)))) + " ")
		s.renderInline(node, false)
		s.closeBlock(node)
	case TypeHorizontalRule:
		markup := attrString(node.Attrs, "markup")
		if markup == "" {
			markup = "---"
		}
		s.write(markup)
		s.closeBlock(node)
	case TypeBulletList:
		bullet := attrString(node.Attrs, "bullet")
		if bullet == "" {
			bullet = "*"
		}
		s.renderList(node, "  ", func(int) string { return bullet + " " })
	case TypeOrderedList:
		start := 1.0
		if v, ok := number(node.Attr("start")); ok {
			start = v
		}
		maxW := len(jsNumber(start + float64(len(node.Content)) - 1))
		s.renderList(node, strings.Repeat(" ", maxW+2), func(i int) string {
			n := jsNumber(start + float64(i))
			return strings.Repeat(" ", max(0, maxW-len(n))) + n + ". "
		})
	case TypeListItem:
		s.renderContent(node)
	case TypeParagraph:
		s.renderInline(node, true)
		s.closeBlock(node)
	case TypeHardBreak:
		for i := index + 1; i < len(parent.Content); i++ {
			if parent.Content[i].Type != node.Type {
				s.write("\\\n")
				return
			}
		}
	case TypeText:
		s.text(node.Text, !s.inAutolink)
	case TypeMarkdown:
		s.text(attrString(node.Attrs, "source"), false)
		s.closeBlock(node)
	default:
		// A node outside the set: its content is rendered, the node
		// itself leaves no syntax (the serializer's non-strict mode).
		if len(node.Content) == 0 {
			return
		}
		if hasInlineContent(node) {
			s.renderInline(node, true)
		} else {
			s.renderContent(node)
		}
		s.closeBlock(node)
	}
}

func hasInlineContent(n *Node) bool {
	for _, c := range n.Content {
		if c.IsText() || c.Type == TypeHardBreak {
			return true
		}
	}
	return false
}

// codeFence is three backticks, or one more than the longest run of three
// or more backticks in the code.
func codeFence(text string) string {
	longest := 0
	run := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] == '`' {
			run++
			continue
		}
		if run >= 3 {
			longest = max(longest, run)
		}
		run = 0
	}
	if longest == 0 {
		return "```"
	}
	return strings.Repeat("`", longest+1)
}

// jsNumber formats a number as JavaScript's String(number) does for the
// values list numbering meets.
func jsNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func (s *serializer) renderContent(parent *Node) {
	for i, c := range parent.Content {
		s.render(c, parent, i)
	}
}

func (s *serializer) renderList(node *Node, delim string, firstDelim func(int) string) {
	if s.closed != nil && s.closed.Type == node.Type {
		s.flushClose(3)
	} else if s.inTightList {
		s.flushClose(1)
	}
	isTight := s.opts.TightLists
	if v, ok := node.Attrs["tight"]; ok {
		isTight = jsTruthy(v)
	}
	prevTight := s.inTightList
	s.inTightList = isTight
	for i, child := range node.Content {
		if i > 0 && isTight {
			s.flushClose(1)
		}
		first := firstDelim(i)
		s.wrapBlock(delim, &first, node, func() { s.render(child, node, i) })
	}
	s.inTightList = prevTight
}

func jsTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	}
	if f, ok := number(v); ok {
		return f != 0 && !math.IsNaN(f)
	}
	return true
}

// renderInline is prosemirror-markdown's renderInline: marks are opened
// and closed around runs of inline nodes, mixable marks reordered to
// match the open ones, whitespace expelled from emphasis.
func (s *serializer) renderInline(parent *Node, fromBlockStart bool) {
	s.atBlockStart = fromBlockStart
	var active []Mark
	trailing := ""
	count := len(parent.Content)
	progress := func(node *Node, index int) {
		var marks []Mark
		if node != nil {
			marks = node.Marks
		}
		// Remove marks from a hard break that is the last node inside
		// that mark, to avoid a newline just before a closing mark.
		if node != nil && node.Type == TypeHardBreak {
			var kept []Mark
			for _, m := range marks {
				if index+1 == count {
					continue
				}
				next := parent.Content[index+1]
				if markInSet(m, next.Marks) && (!next.IsText() || hasNonJSSpace(next.Text)) {
					kept = append(kept, m)
				}
			}
			marks = kept
		}
		var inner *Mark
		if len(marks) > 0 {
			inner = &marks[len(marks)-1]
		}
		noEsc := inner != nil && getMark(inner.Type).noEscape
		ln := len(marks)
		if noEsc {
			ln--
		}
		// Reorder mixable marks so their order matches the open ones.
	outer:
		for i := 0; i < ln && i < len(marks); i++ {
			mark := marks[i]
			if !getMark(mark.Type).mixable {
				break
			}
			for j := 0; j < len(active); j++ {
				other := active[j]
				if !getMark(other.Type).mixable {
					break
				}
				if mark.Eq(other) {
					if i > j {
						marks = concatMarks(jsSlice(marks, 0, j), []Mark{mark}, jsSlice(marks, j, i), jsSlice(marks, i+1, ln))
					} else if j > i {
						marks = concatMarks(jsSlice(marks, 0, i), jsSlice(marks, i+1, j), []Mark{mark}, jsSlice(marks, j, ln))
					}
					continue outer
				}
			}
		}
		// The prefix of the mark set that did not change.
		keep := 0
		for keep < min(len(active), ln) && keep < len(marks) && marks[keep].Eq(active[keep]) {
			keep++
		}
		leading := trailing
		trailing = ""
		// Expel whitespace from the node where a mark asks for it.
		if node != nil && node.IsText() && anyMark(marks, func(m Mark, _ int) bool {
			return getMark(m.Type).expel && !markInSet(m, active[:keep])
		}) {
			lead, rest := splitLeadingJSSpace(node.Text)
			if lead != "" {
				leading += lead
				node = withText(node, rest)
				if node == nil {
					marks = active
				}
			}
		}
		if node != nil && node.IsText() && anyMark(marks, func(m Mark, i int) bool {
			return getMark(m.Type).expel && !s.isMarkAhead(parent, index+1, marks[:i+1])
		}) {
			rest, trail := splitTrailingJSSpace(node.Text)
			if trail != "" {
				trailing = trail
				node = withText(node, rest)
				if node == nil {
					marks = active
				}
			}
		}
		// Close the marks that need closing.
		if node != nil || index == count {
			for keep < len(active) {
				m := active[len(active)-1]
				active = active[:len(active)-1]
				s.text(getMark(m.Type).close(s, m, parent, index), false)
			}
		}
		// Whitespace expelled before goes outside the marks.
		if leading != "" {
			s.text(leading, true)
		}
		if node != nil {
			for len(active) < ln && len(active) < len(marks) {
				add := marks[len(active)]
				active = append(active, add)
				s.text(getMark(add.Type).open(s, add, parent, index), false)
				s.atBlockStart = false
			}
			// Code is not escaped.
			if noEsc && node.IsText() {
				spec := getMark(inner.Type)
				s.text(spec.open(s, *inner, parent, index)+node.Text+spec.close(s, *inner, parent, index+1), false)
			} else {
				s.render(node, parent, index)
			}
			s.atBlockStart = false
		}
	}
	for i, c := range parent.Content {
		progress(c, i)
	}
	progress(nil, count)
	s.atBlockStart = false
}

func withText(n *Node, text string) *Node {
	if text == "" {
		return nil
	}
	c := *n
	c.Text = text
	return &c
}

func anyMark(marks []Mark, f func(Mark, int) bool) bool {
	for i, m := range marks {
		if f(m, i) {
			return true
		}
	}
	return false
}

func concatMarks(parts ...[]Mark) []Mark {
	var out []Mark
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// jsSlice is Array.prototype.slice for non-negative bounds (clamped).
func jsSlice(m []Mark, a, b int) []Mark {
	b = min(b, len(m))
	a = min(a, b)
	return m[a:b]
}

// isMarkAhead reports whether the next inline node (skipping hard breaks
// the way prosemirror-markdown does, which also skips the node after each
// one) starts with the given marks.
func (s *serializer) isMarkAhead(parent *Node, index int, marks []Mark) bool {
	for ; ; index++ {
		if index >= len(parent.Content) {
			return false
		}
		next := parent.Content[index]
		if next.Type != TypeHardBreak {
			return len(next.Marks) >= len(marks) && sameMarkSet(next.Marks[:len(marks)], marks)
		}
		index++
	}
}

// esc escapes text so it reads back as the same text:
// prosemirror-markdown's MarkdownSerializerState.esc.
func (s *serializer) esc(str string, startOfLine bool) string {
	out := string(appendEscaped(nil, str))
	if !startOfLine {
		return out
	}
	// ^(\+[ ]|[\-*>]) → a backslash in front.
	if strings.HasPrefix(out, "+ ") || strings.HasPrefix(out, "-") || strings.HasPrefix(out, "*") || strings.HasPrefix(out, ">") {
		out = `\` + out
	}
	// ^(\s*)(#{1,6})(\s|$) → a backslash in front of the hashes.
	sp := leadingJSSpaceLen(out)
	hashes := 0
	for sp+hashes < len(out) && out[sp+hashes] == '#' {
		hashes++
	}
	if hashes >= 1 && hashes <= 6 {
		rest := out[sp+hashes:]
		if rest == "" || leadingJSSpaceLen(rest) > 0 {
			out = out[:sp] + `\` + out[sp:]
		}
	}
	// ^(\s*\d+)\.\s → "$1\. " (the space after the dot becomes a plain space).
	sp = leadingJSSpaceLen(out)
	digits := 0
	for sp+digits < len(out) && out[sp+digits] >= '0' && out[sp+digits] <= '9' {
		digits++
	}
	if digits > 0 && sp+digits < len(out) && out[sp+digits] == '.' {
		rest := out[sp+digits+1:]
		if n := firstJSSpaceLen(rest); n > 0 {
			out = out[:sp+digits] + `\. ` + rest[n:]
		}
	}
	return out
}

var escapedAnywhere = [256]bool{'`': true, '*': true, '\\': true, '~': true, '[': true, ']': true, '_': true}

// appendEscaped appends str with the characters Markdown would read as
// syntax anywhere in a line escaped (esc's start-of-line rules aside),
// copying the runs between them whole.
func appendEscaped(dst []byte, str string) []byte {
	done := 0
	for i := 0; i < len(str); i++ {
		c := str[i]
		if !escapedAnywhere[c] {
			continue
		}
		if c == '_' && i > 0 && i+1 < len(str) && isWordByte(str[i-1]) && isWordByte(str[i+1]) {
			continue
		}
		dst = append(dst, str[done:i]...)
		dst = append(dst, '\\')
		done = i
	}
	return append(dst, str[done:]...)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isJSSpace is JavaScript's \s: Unicode white space plus U+FEFF, without
// U+0085 (which Go's unicode.IsSpace counts).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func firstJSSpaceLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !isJSSpace(r) {
		return 0
	}
	return n
}

func leadingJSSpaceLen(s string) int {
	i := 0
	for i < len(s) {
		n := firstJSSpaceLen(s[i:])
		if n == 0 {
			break
		}
		i += n
	}
	return i
}

func splitLeadingJSSpace(s string) (lead, rest string) {
	n := leadingJSSpaceLen(s)
	return s[:n], s[n:]
}

func splitTrailingJSSpace(s string) (rest, trail string) {
	i := len(s)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !isJSSpace(r) {
			break
		}
		i -= n
	}
	return s[:i], s[i:]
}

func trimJSSpaceRight(s string) string {
	rest, _ := splitTrailingJSSpace(s)
	return rest
}

func hasNonJSSpace(s string) bool {
	for _, r := range s {
		if !isJSSpace(r) {
			return true
		}
	}
	return false
}
