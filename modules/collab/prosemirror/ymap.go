package prosemirror

import (
	"fmt"
	"regexp"
	"sort"
	"unicode/utf16"
)

// The Y.js side, as y-prosemirror lays a ProseMirror document out in a
// Y.XmlFragment: an element per node (nodeName = node type, attributes =
// node attributes), and one XmlText per run of text nodes whose delta
// carries the marks as formatting attributes (mark type → mark
// attributes). These interfaces are what this package needs of a Y.Doc
// model; an adapter maps them onto the real one.

// YNode is a child of a fragment or element: a YElement or a YText.
type YNode interface{}

// YParent is a YFragment or a YElement.
type YParent interface {
	Children() []YNode
}

// YFragment is a Y.XmlFragment (TipTap's is named "default"; y-prosemirror's
// own default is "prosemirror").
type YFragment interface {
	YParent
}

// YElement is a Y.XmlElement.
type YElement interface {
	YParent
	NodeName() string
	Attributes() map[string]any
}

// YText is a Y.XmlText.
type YText interface {
	Delta() []YDelta
}

// YDelta is one run of a Y.Text delta: a string (or an embed) and its
// formatting attributes.
type YDelta struct {
	Insert     any
	Attributes map[string]any
}

// YTx is a Y.Doc transaction's XML and text edits. Text positions and
// lengths count UTF-16 code units, as Y.Text does. TextInsert inserts with
// exactly the given attributes (an empty map for plain text: like
// Y.Text.insert with an attributes object, not without one, which would
// take the formatting of the text before). TextFormat sets the given
// attributes over a range; a nil value removes one.
type YTx interface {
	InsertElement(parent YParent, index int, nodeName string) YElement
	InsertText(parent YParent, index int) YText
	SetAttribute(e YElement, key string, value any)
	RemoveAttribute(e YElement, key string)
	Delete(parent YParent, index, length int)
	TextInsert(t YText, pos int, s string, attrs map[string]any)
	TextDelete(t YText, pos, length int)
	TextFormat(t YText, pos, length int, attrs map[string]any)
}

// hashedMark is y-prosemirror's name for a mark of a type that does not
// exclude itself ("comment--AbCd1234"); the mark type is the prefix.
var hashedMark = regexp.MustCompile(`^(.*)--[a-zA-Z0-9+/=]{8}$`)

func yattrToMark(key string) string {
	if m := hashedMark.FindStringSubmatch(key); m != nil {
		return m[1]
	}
	return key
}

// FromY reads a fragment as y-prosemirror's yXmlFragmentToProsemirrorJSON
// does, in ProseMirror's canonical form (Normalize): a doc node whose
// children are the fragment's. Embeds in text (not something TipTap
// writes) are skipped, as are mark values that are not objects' (Quill
// style "true") attributes.
func FromY(f YFragment) *Node {
	doc := &Node{Type: TypeDoc, Content: readChildren(f, 0)}
	return Normalize(doc)
}

func readChildren(p YParent, depth int) []*Node {
	if depth > maxDepth {
		return nil
	}
	var out []*Node
	for _, c := range p.Children() {
		out = append(out, readNode(c, depth)...)
	}
	return out
}

func readNode(c YNode, depth int) []*Node {
	switch c := c.(type) {
	case YElement:
		n := &Node{Type: c.NodeName()}
		if a := c.Attributes(); len(a) > 0 {
			n.Attrs = cloneAttrs(a)
		}
		n.Content = readChildren(c, depth+1)
		return []*Node{n}
	case YText:
		var out []*Node
		for _, d := range c.Delta() {
			s, ok := d.Insert.(string)
			if !ok || s == "" {
				continue
			}
			t := &Node{Type: TypeText, Text: s}
			keys := make([]string, 0, len(d.Attributes))
			for k := range d.Attributes {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				m := Mark{Type: yattrToMark(k)}
				if a, ok := d.Attributes[k].(map[string]any); ok && len(a) > 0 {
					m.Attrs = cloneAttrs(a)
				}
				t.Marks = append(t.Marks, m)
			}
			out = append(out, t)
		}
		return out
	}
	return nil
}

// Seed writes a document into an empty fragment as y-prosemirror's
// prosemirrorJSONToYXmlFragment does: an element per node with its
// non-null attributes (marks on non-text nodes are not kept, as there),
// one text per run of text nodes, each text node inserted with its marks
// as attributes (mark type → attributes, {} for none).
func Seed(tx YTx, f YFragment, doc *Node) error {
	if doc == nil {
		return fmt.Errorf("prosemirror: no document")
	}
	if len(f.Children()) != 0 {
		return fmt.Errorf("prosemirror: the fragment is not empty")
	}
	writeChildren(tx, f, 0, Normalize(doc).Content)
	return nil
}

// writeChildren inserts nodes at index of parent; it returns the number
// of Y children written.
func writeChildren(tx YTx, parent YParent, index int, nodes []*Node) int {
	n := 0
	for i := 0; i < len(nodes); {
		if nodes[i].IsText() {
			j := i
			for j < len(nodes) && nodes[j].IsText() {
				j++
			}
			t := tx.InsertText(parent, index+n)
			pos := 0
			for _, tn := range nodes[i:j] {
				tx.TextInsert(t, pos, tn.Text, marksToAttrs(tn.Marks))
				pos += utf16Len(tn.Text)
			}
			i, n = j, n+1
			continue
		}
		writeElement(tx, parent, index+n, nodes[i])
		i, n = i+1, n+1
	}
	return n
}

func writeElement(tx YTx, parent YParent, index int, node *Node) {
	el := tx.InsertElement(parent, index, node.Type)
	for _, k := range sortedKeys(node.Attrs) {
		if v := node.Attrs[k]; v != nil {
			tx.SetAttribute(el, k, cloneValue(v))
		}
	}
	writeChildren(tx, el, 0, node.Content)
}

func marksToAttrs(marks []Mark) map[string]any {
	attrs := make(map[string]any, len(marks))
	for _, m := range marks {
		a := cloneAttrs(m.Attrs)
		if a == nil {
			a = map[string]any{}
		}
		attrs[m.Type] = a
	}
	return attrs
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// utf16Units splits s into UTF-16 code units.
func utf16Units(s string) []uint16 { return utf16.Encode([]rune(s)) }
