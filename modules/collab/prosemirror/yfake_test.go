package prosemirror_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"unicode/utf16"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
)

// An in-memory Y.XmlFragment with y-prosemirror's shape and Y.Text's
// formatting semantics, standing in for the Y.Doc model in these tests.

type fakeFrag struct{ children []prosemirror.YNode }

type fakeElem struct {
	name     string
	attrs    map[string]any
	children []prosemirror.YNode
}

// fakeText keeps one attribute map per UTF-16 code unit.
type fakeText struct {
	units []uint16
	attrs []map[string]any
}

func (f *fakeFrag) Children() []prosemirror.YNode { return f.children }
func (e *fakeElem) Children() []prosemirror.YNode { return e.children }
func (e *fakeElem) NodeName() string              { return e.name }
func (e *fakeElem) Attributes() map[string]any    { return e.attrs }

func (t *fakeText) Delta() []prosemirror.YDelta {
	var out []prosemirror.YDelta
	for i := 0; i < len(t.units); {
		j := i + 1
		for j < len(t.units) && reflect.DeepEqual(t.attrs[j], t.attrs[i]) {
			j++
		}
		d := prosemirror.YDelta{Insert: string(utf16.Decode(t.units[i:j]))}
		if len(t.attrs[i]) > 0 {
			d.Attributes = t.attrs[i]
		}
		out = append(out, d)
		i = j
	}
	return out
}

// fakeTx applies edits to the fake and counts them.
type fakeTx struct {
	ops      map[string]int
	inserted int // UTF-16 units inserted by TextInsert
	deleted  int // UTF-16 units deleted by TextDelete
}

func newTx() *fakeTx { return &fakeTx{ops: map[string]int{}} }

func childrenOf(p prosemirror.YParent) *[]prosemirror.YNode {
	switch p := p.(type) {
	case *fakeFrag:
		return &p.children
	case *fakeElem:
		return &p.children
	}
	panic(fmt.Sprintf("not a parent: %T", p))
}

func insertAt(list *[]prosemirror.YNode, index int, n prosemirror.YNode) {
	if index < 0 || index > len(*list) {
		panic(fmt.Sprintf("insert at %d of %d", index, len(*list)))
	}
	*list = append(*list, nil)
	copy((*list)[index+1:], (*list)[index:])
	(*list)[index] = n
}

func (tx *fakeTx) InsertElement(parent prosemirror.YParent, index int, name string) prosemirror.YElement {
	tx.ops["InsertElement"]++
	e := &fakeElem{name: name, attrs: map[string]any{}}
	insertAt(childrenOf(parent), index, e)
	return e
}

func (tx *fakeTx) InsertText(parent prosemirror.YParent, index int) prosemirror.YText {
	tx.ops["InsertText"]++
	t := &fakeText{}
	insertAt(childrenOf(parent), index, t)
	return t
}

func (tx *fakeTx) SetAttribute(e prosemirror.YElement, key string, value any) {
	tx.ops["SetAttribute"]++
	e.(*fakeElem).attrs[key] = value
}

func (tx *fakeTx) RemoveAttribute(e prosemirror.YElement, key string) {
	tx.ops["RemoveAttribute"]++
	delete(e.(*fakeElem).attrs, key)
}

func (tx *fakeTx) Delete(parent prosemirror.YParent, index, length int) {
	tx.ops["Delete"]++
	list := childrenOf(parent)
	if index < 0 || length < 0 || index+length > len(*list) {
		panic(fmt.Sprintf("delete %d+%d of %d", index, length, len(*list)))
	}
	*list = append((*list)[:index], (*list)[index+length:]...)
}

func copyAttrs(a map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func (tx *fakeTx) TextInsert(t prosemirror.YText, pos int, s string, attrs map[string]any) {
	tx.ops["TextInsert"]++
	if attrs == nil {
		panic("TextInsert without an attributes map")
	}
	ft := t.(*fakeText)
	if pos < 0 || pos > len(ft.units) {
		panic(fmt.Sprintf("text insert at %d of %d", pos, len(ft.units)))
	}
	u := utf16.Encode([]rune(s))
	tx.inserted += len(u)
	a := make([]map[string]any, len(u))
	for i := range a {
		a[i] = copyAttrs(attrs)
	}
	ft.units = append(ft.units[:pos], append(u, ft.units[pos:]...)...)
	ft.attrs = append(ft.attrs[:pos], append(a, ft.attrs[pos:]...)...)
}

func (tx *fakeTx) TextDelete(t prosemirror.YText, pos, length int) {
	tx.ops["TextDelete"]++
	ft := t.(*fakeText)
	if pos < 0 || length < 0 || pos+length > len(ft.units) {
		panic(fmt.Sprintf("text delete %d+%d of %d", pos, length, len(ft.units)))
	}
	tx.deleted += length
	ft.units = append(ft.units[:pos], ft.units[pos+length:]...)
	ft.attrs = append(ft.attrs[:pos], ft.attrs[pos+length:]...)
}

func (tx *fakeTx) TextFormat(t prosemirror.YText, pos, length int, attrs map[string]any) {
	tx.ops["TextFormat"]++
	ft := t.(*fakeText)
	if pos < 0 || length < 0 || pos+length > len(ft.units) {
		panic(fmt.Sprintf("text format %d+%d of %d", pos, length, len(ft.units)))
	}
	for i := pos; i < pos+length; i++ {
		a := copyAttrs(ft.attrs[i])
		for k, v := range attrs {
			if v == nil {
				delete(a, k)
			} else {
				a[k] = v
			}
		}
		ft.attrs[i] = a
	}
}

// dumpTree is the fragment as gen.mjs dumps a Y.XmlFragment.
func dumpTree(children []prosemirror.YNode) []any {
	out := []any{}
	for _, c := range children {
		switch c := c.(type) {
		case *fakeElem:
			out = append(out, map[string]any{"nodeName": c.name, "attrs": c.attrs, "children": dumpTree(c.children)})
		case *fakeText:
			delta := []any{}
			for _, d := range c.Delta() {
				m := map[string]any{"insert": d.Insert}
				if d.Attributes != nil {
					m["attributes"] = d.Attributes
				}
				delta = append(delta, m)
			}
			out = append(out, map[string]any{"delta": delta})
		}
	}
	return out
}

// fakeFromTree builds a fragment from gen.mjs's dump.
func fakeFromTree(tree []any) *fakeFrag {
	return &fakeFrag{children: fakeChildren(tree)}
}

func fakeChildren(tree []any) []prosemirror.YNode {
	var out []prosemirror.YNode
	for _, x := range tree {
		m := x.(map[string]any)
		if delta, ok := m["delta"].([]any); ok {
			t := &fakeText{}
			for _, d := range delta {
				dm := d.(map[string]any)
				u := utf16.Encode([]rune(dm["insert"].(string)))
				attrs, _ := dm["attributes"].(map[string]any)
				for range u {
					t.attrs = append(t.attrs, copyAttrs(attrs))
				}
				t.units = append(t.units, u...)
			}
			out = append(out, t)
			continue
		}
		attrs, _ := m["attrs"].(map[string]any)
		children, _ := m["children"].([]any)
		out = append(out, &fakeElem{name: m["nodeName"].(string), attrs: copyAttrs(attrs), children: fakeChildren(children)})
	}
	return out
}

// generic turns a value into plain JSON values (numbers as float64).
func generic(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var out any
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}
