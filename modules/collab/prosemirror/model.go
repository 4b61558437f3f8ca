package prosemirror

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// Node and mark type names, as TipTap's StarterKit names them.
const (
	TypeDoc            = "doc"
	TypeParagraph      = "paragraph"
	TypeHeading        = "heading"
	TypeBulletList     = "bulletList"
	TypeOrderedList    = "orderedList"
	TypeListItem       = "listItem"
	TypeBlockquote     = "blockquote"
	TypeCodeBlock      = "codeBlock"
	TypeHorizontalRule = "horizontalRule"
	TypeHardBreak      = "hardBreak"
	TypeText           = "text"
	// TypeMarkdown is the block that keeps Markdown outside the StarterKit
	// set verbatim: attrs.source holds the exact source text and renders
	// back unchanged. See the package documentation.
	TypeMarkdown = "markdownBlock"

	MarkBold   = "bold"
	MarkItalic = "italic"
	MarkStrike = "strike"
	MarkCode   = "code"
	MarkLink   = "link"
)

// Node is a ProseMirror node in its JSON form (Node.toJSON): the same
// shape TipTap's editor.getJSON() returns and y-prosemirror reads and
// writes.
type Node struct {
	Type    string         `json:"type"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []*Node        `json:"content,omitempty"`
	Marks   []Mark         `json:"marks,omitempty"`
	Text    string         `json:"text,omitempty"`
}

// Mark is a ProseMirror mark in its JSON form.
type Mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// ParseJSON reads a document in ProseMirror JSON form. It checks the shape
// (a tree of objects with a type), not the schema: unknown node and mark
// types are kept and rendered as well as they can be.
func ParseJSON(data []byte) (*Node, error) {
	var n Node
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("prosemirror: %w", err)
	}
	if err := n.check(0); err != nil {
		return nil, err
	}
	return &n, nil
}

// maxDepth bounds the nesting of a document read from JSON, so hostile
// input cannot make the recursive walks below run out of stack.
const maxDepth = 200

func (n *Node) check(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("prosemirror: document nested deeper than %d", maxDepth)
	}
	if n.Type == "" {
		return fmt.Errorf("prosemirror: a node has no type")
	}
	for _, c := range n.Content {
		if c == nil {
			return fmt.Errorf("prosemirror: a %s node has a null child", n.Type)
		}
		if err := c.check(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// IsText reports whether n is a text node.
func (n *Node) IsText() bool { return n.Type == TypeText }

// Attr returns an attribute or nil.
func (n *Node) Attr(key string) any {
	if n.Attrs == nil {
		return nil
	}
	return n.Attrs[key]
}

// TextContent is the concatenated text of n's text descendants
// (ProseMirror's Node.textContent).
func (n *Node) TextContent() string {
	if n.IsText() {
		return n.Text
	}
	var b []byte
	var walk func(*Node)
	walk = func(m *Node) {
		for _, c := range m.Content {
			if c.IsText() {
				b = append(b, c.Text...)
			} else {
				walk(c)
			}
		}
	}
	walk(n)
	return string(b)
}

// Clone returns a deep copy of n (attribute values are copied as JSON-like
// values: maps and slices are copied, scalars shared).
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := &Node{Type: n.Type, Text: n.Text, Attrs: cloneAttrs(n.Attrs)}
	if n.Marks != nil {
		c.Marks = make([]Mark, len(n.Marks))
		for i, m := range n.Marks {
			c.Marks[i] = Mark{Type: m.Type, Attrs: cloneAttrs(m.Attrs)}
		}
	}
	if n.Content != nil {
		c.Content = make([]*Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = ch.Clone()
		}
	}
	return c
}

func cloneAttrs(a map[string]any) map[string]any {
	if a == nil {
		return nil
	}
	c := make(map[string]any, len(a))
	for k, v := range a {
		c[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneAttrs(v)
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneValue(e)
		}
		return c
	}
	return v
}

// Eq reports whether two marks are equal: same type, equal attributes
// (ProseMirror's Mark.eq). A missing attribute map equals an empty one.
func (m Mark) Eq(o Mark) bool {
	return m.Type == o.Type && attrsEqual(m.Attrs, o.Attrs)
}

func attrsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !valuesEqual(v, w) {
			return false
		}
	}
	return true
}

// valuesEqual compares JSON-like values, numbers by value whatever their
// Go type (a level may be an int here and a float64 after a JSON trip).
func valuesEqual(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		return ok && attrsEqual(a, b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// isNormal reports whether Normalize would leave n as it is.
func isNormal(n *Node) bool {
	for i := 1; i < len(n.Marks); i++ {
		if markLess(n.Marks[i], n.Marks[i-1]) {
			return false
		}
	}
	if n.Content != nil && len(n.Content) == 0 {
		return false
	}
	for i, ch := range n.Content {
		if ch == nil || ch.IsText() && ch.Text == "" {
			return false
		}
		if i > 0 && ch.IsText() && n.Content[i-1].IsText() && sameMarkSet(n.Content[i-1].Marks, ch.Marks) {
			return false
		}
		if !isNormal(ch) {
			return false
		}
	}
	return true
}

func sameMarkSet(a, b []Mark) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Eq(b[i]) {
			return false
		}
	}
	return true
}

func markInSet(m Mark, set []Mark) bool {
	for _, o := range set {
		if m.Eq(o) {
			return true
		}
	}
	return false
}

// markRank orders marks on a text node, as a ProseMirror schema's mark
// order does: prosemirror-markdown's schema order (em, strong, link, code)
// with strike inserted before link. Unknown marks come after, by name.
var markRank = map[string]int{MarkItalic: 0, MarkBold: 1, MarkStrike: 2, MarkLink: 3, MarkCode: 4}

func sortMarks(marks []Mark) {
	sort.SliceStable(marks, func(i, j int) bool { return markLess(marks[i], marks[j]) })
}

func markLess(a, b Mark) bool {
	ra, oka := markRank[a.Type]
	rb, okb := markRank[b.Type]
	switch {
	case oka && okb:
		return ra < rb
	case oka != okb:
		return oka
	}
	return a.Type < b.Type
}

// Normalize returns n in ProseMirror's canonical form, as Node.fromJSON
// builds it: marks sorted by rank, empty text nodes dropped, adjacent text
// nodes with the same marks joined. n itself is not changed; when it is
// already canonical (documents read from Y.js or parsed from Markdown
// usually are) it is returned as it is, without a copy.
func Normalize(n *Node) *Node {
	if n == nil {
		return nil
	}
	if isNormal(n) {
		return n
	}
	c := &Node{Type: n.Type, Text: n.Text, Attrs: n.Attrs}
	if len(n.Marks) > 0 {
		c.Marks = append([]Mark(nil), n.Marks...)
		sortMarks(c.Marks)
	}
	if n.Content == nil {
		return c
	}
	c.Content = make([]*Node, 0, len(n.Content))
	for _, ch := range n.Content {
		if ch == nil || (ch.IsText() && ch.Text == "") {
			continue
		}
		ch = Normalize(ch)
		if k := len(c.Content); k > 0 && ch.IsText() && c.Content[k-1].IsText() && sameMarkSet(c.Content[k-1].Marks, ch.Marks) {
			prev := *c.Content[k-1]
			prev.Text += ch.Text
			c.Content[k-1] = &prev
			continue
		}
		c.Content = append(c.Content, ch)
	}
	if len(c.Content) == 0 {
		c.Content = nil
	}
	return c
}
