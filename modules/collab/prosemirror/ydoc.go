package prosemirror

import (
	"fmt"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// The mapping on the Go Y.Doc model (../ydoc): thin adapters from its
// XmlFragment, XmlElement, XmlText and Tx to the interfaces of ymap.go.

// FragmentName is the XmlFragment TipTap's Collaboration extension binds
// to when no field is configured.
const FragmentName = "default"

// FromYDoc reads the named XmlFragment of d as a ProseMirror document
// (FromY).
func FromYDoc(d *ydoc.Doc, fragment string) *Node {
	return FromY(yFrag{d.XmlFragment(fragment)})
}

// SeedYDoc writes doc into the named, empty XmlFragment of d (Seed) in one
// transaction and returns its update.
func SeedYDoc(d *ydoc.Doc, fragment string, doc *Node) ([]byte, error) {
	f := yFrag{d.XmlFragment(fragment)}
	return d.Transact(func(tx *ydoc.Tx) error {
		return Seed(yTx{tx}, f, doc)
	})
}

// UpdateYDoc edits the named XmlFragment of d to read as doc (Update) in
// one transaction and returns its update (nil when nothing changed).
func UpdateYDoc(d *ydoc.Doc, fragment string, doc *Node) ([]byte, error) {
	f := yFrag{d.XmlFragment(fragment)}
	return d.Transact(func(tx *ydoc.Tx) error {
		return Update(yTx{tx}, f, doc)
	})
}

type yFrag struct{ f *ydoc.XmlFragment }
type yElem struct{ e *ydoc.XmlElement }
type yText struct{ t *ydoc.XmlText }

// yOther is a child that is neither an element nor a text (a Y.XmlHook):
// kept in the children so indices stay right, read as nothing.
type yOther struct{}

func wrapChildren(cs []ydoc.XmlNode) []YNode {
	out := make([]YNode, len(cs))
	for i, c := range cs {
		switch c := c.(type) {
		case *ydoc.XmlElement:
			out[i] = yElem{c}
		case *ydoc.XmlText:
			out[i] = yText{c}
		default:
			out[i] = yOther{}
		}
	}
	return out
}

func (f yFrag) Children() []YNode { return wrapChildren(f.f.Children()) }
func (e yElem) Children() []YNode { return wrapChildren(e.e.Children()) }
func (e yElem) NodeName() string  { return e.e.NodeName() }

func (e yElem) Attributes() map[string]any {
	a, _ := jsValue(e.e.Attributes()).(map[string]any)
	return a
}

func (t yText) Delta() []YDelta {
	ds := t.t.Delta()
	out := make([]YDelta, len(ds))
	for i, d := range ds {
		a, _ := jsValue(d.Attributes).(map[string]any)
		out[i] = YDelta{Insert: d.Insert, Attributes: a}
	}
	return out
}

// jsValue drops undefined from objects (as JSON.stringify does, which is
// how y-prosemirror's JSON leaves the document) and turns it into null in
// arrays.
func jsValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			if _, undef := x.(ydoc.UndefinedType); !undef {
				out[k] = jsValue(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsValue(x)
		}
		return out
	case ydoc.UndefinedType:
		return nil
	}
	return v
}

type yTx struct{ tx *ydoc.Tx }

func parentOf(p YParent) ydoc.XmlParent {
	switch p := p.(type) {
	case yFrag:
		return p.f
	case yElem:
		return p.e
	}
	panic(fmt.Sprintf("prosemirror: %T is not a Y.Doc parent", p))
}

func (x yTx) InsertElement(parent YParent, index int, nodeName string) YElement {
	return yElem{x.tx.InsertElement(parentOf(parent), index, nodeName)}
}

func (x yTx) InsertText(parent YParent, index int) YText {
	return yText{x.tx.InsertText(parentOf(parent), index)}
}

func (x yTx) SetAttribute(e YElement, key string, value any) {
	x.tx.SetAttribute(e.(yElem).e, key, value)
}

func (x yTx) RemoveAttribute(e YElement, key string) { x.tx.RemoveAttribute(e.(yElem).e, key) }

func (x yTx) Delete(parent YParent, index, length int) {
	x.tx.Delete(parentOf(parent), index, length)
}

func (x yTx) TextInsert(t YText, pos int, s string, attrs map[string]any) {
	x.tx.TextInsert(t.(yText).t, pos, s, attrs)
}

func (x yTx) TextDelete(t YText, pos, length int) { x.tx.TextDelete(t.(yText).t, pos, length) }

func (x yTx) TextFormat(t YText, pos, length int, attrs map[string]any) {
	x.tx.TextFormat(t.(yText).t, pos, length, attrs)
}
