package ydoc

import (
	"slices"
	"strings"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// The typed views of a shared type. They share the representation of
// ytype, so a view is a free conversion and keeps its identity.
type (
	// Text is a Y.Text.
	Text ytype
	// Map is a Y.Map.
	Map ytype
	// Array is a Y.Array.
	Array ytype
	// XmlFragment is a Y.XmlFragment.
	XmlFragment ytype
	// XmlElement is a Y.XmlElement.
	XmlElement ytype
	// XmlText is a Y.XmlText.
	XmlText ytype
	// XmlHook is a Y.XmlHook (a map with a hook name).
	XmlHook ytype
)

// Delta is one operation of a text's delta (yjs toDelta): an insert of a
// string, or of an embed (a JSON value, usually map[string]any) or a
// shared type, with the formatting attributes in effect. Attribute values
// are shared with the document (yjs compares them by identity): treat them
// as read-only.
type Delta struct {
	Insert     any
	Attributes map[string]any
}

// XmlNode is a child of an XmlFragment or XmlElement: *XmlElement or
// *XmlText (*XmlHook children are reported as XmlNode too).
type XmlNode interface {
	String() string
	xmlNode()
}

// XmlParent is a type that holds XML children: *XmlFragment or *XmlElement.
type XmlParent interface {
	Children() []XmlNode
	xmlParent() *ytype
}

func (*XmlElement) xmlNode() {}
func (*XmlText) xmlNode()    {}
func (*XmlHook) xmlNode()    {}

func (f *XmlFragment) xmlParent() *ytype { return (*ytype)(f) }
func (e *XmlElement) xmlParent() *ytype  { return (*ytype)(e) }

// listValues returns the values of a list type (yjs typeListToArray).
func (t *ytype) listValues() []any {
	var out []any
	for n := t.start; n != nil; n = n.right {
		if n.countable && !n.deleted {
			out = append(out, n.content.values()...)
		}
	}
	return out
}

// mapValues returns the current entries of the type's map (typeMapGetAll).
func (t *ytype) mapValues() map[string]any {
	out := map[string]any{}
	for _, k := range t.keys {
		it := t.m[k]
		if it != nil && !it.deleted {
			out[k] = it.content.last()
		}
	}
	return out
}

func toJSONValue(v any) any {
	if j, ok := v.(interface{ ToJSON() any }); ok {
		return j.ToJSON()
	}
	return v
}

// toJSON is the type's toJSON as yjs defines it for its class.
func (t *ytype) toJSON() any {
	switch t.kind {
	case yjs.TypeArray:
		vals := t.listValues()
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = toJSONValue(v)
		}
		return out
	case yjs.TypeMap, yjs.TypeXMLHook:
		out := map[string]any{}
		for k, v := range t.mapValues() {
			out[k] = toJSONValue(v)
		}
		return out
	case yjs.TypeText:
		return t.plainString()
	case yjs.TypeXMLElement, yjs.TypeXMLFragment, yjs.TypeXMLText:
		return t.xmlString()
	}
	return Undefined
}

// plainString is Y.Text's toString: the string content only.
func (t *ytype) plainString() string {
	var b strings.Builder
	for n := t.start; n != nil; n = n.right {
		if !n.deleted && n.countable && n.content.ref == yjs.RefString {
			b.WriteString(n.content.str)
		}
	}
	return b.String()
}

// xmlString is the toString of the XML types.
func (t *ytype) xmlString() string {
	switch t.kind {
	case yjs.TypeXMLText:
		return t.xmlTextString()
	case yjs.TypeXMLElement:
		attrs := t.mapValues()
		keys := make([]string, 0, len(attrs))
		for k := range attrs {
			keys = append(keys, k)
		}
		keys = jsKeys(attrs)
		slices.SortFunc(keys, compareUTF16)
		var b strings.Builder
		name := strings.ToLower(t.nodeName)
		b.WriteString("<" + name)
		for _, k := range keys {
			b.WriteString(" " + k + `="` + jsString(attrs[k]) + `"`)
		}
		b.WriteString(">")
		b.WriteString(t.childrenString())
		b.WriteString("</" + name + ">")
		return b.String()
	case yjs.TypeXMLFragment:
		return t.childrenString()
	case yjs.TypeText:
		return t.plainString()
	}
	return "[object Object]"
}

func (t *ytype) childrenString() string {
	var b strings.Builder
	for _, v := range t.listValues() {
		b.WriteString(jsString(v))
	}
	return b.String()
}

// forInKeys lists the keys a JavaScript for…in loop visits on v.
func forInKeys(v any) ([]string, func(string) any) {
	switch x := v.(type) {
	case map[string]any:
		return jsKeys(x), func(k string) any { return x[k] }
	case string:
		u := []rune(x)
		keys := make([]string, 0, len(u))
		units := utf16Units(x)
		for i := range units {
			keys = append(keys, itoa(i))
		}
		return keys, func(k string) any {
			i := atoi(k)
			return unitString(units[i])
		}
	case []any:
		keys := make([]string, len(x))
		for i := range x {
			keys[i] = itoa(i)
		}
		return keys, func(k string) any { return x[atoi(k)] }
	}
	return nil, nil
}

// xmlTextString is Y.XmlText's toString: the delta with attributes as
// nested tags.
func (t *ytype) xmlTextString() string {
	var b strings.Builder
	for _, d := range t.delta() {
		type attr struct {
			key   string
			value any
		}
		type node struct {
			name  string
			attrs []attr
		}
		var nodes []node
		names := make([]string, 0, len(d.Attributes))
		for k := range d.Attributes {
			names = append(names, k)
		}
		names = jsKeys(d.Attributes)
		for _, name := range names {
			keys, get := forInKeys(d.Attributes[name])
			attrs := make([]attr, 0, len(keys))
			for _, k := range keys {
				attrs = append(attrs, attr{k, get(k)})
			}
			slices.SortStableFunc(attrs, func(a, b attr) int { return jsSortCmp(a.key, b.key) })
			nodes = append(nodes, node{name, attrs})
		}
		slices.SortStableFunc(nodes, func(a, b node) int { return jsSortCmp(a.name, b.name) })
		for _, n := range nodes {
			b.WriteString("<" + n.name)
			for _, a := range n.attrs {
				b.WriteString(" " + a.key + `="` + jsString(a.value) + `"`)
			}
			b.WriteString(">")
		}
		b.WriteString(jsString(d.Insert))
		for i := len(nodes) - 1; i >= 0; i-- {
			b.WriteString("</" + nodes[i].name + ">")
		}
	}
	return b.String()
}

// jsSortCmp is the comparator (a, b) => a < b ? -1 : 1 of yjs's sorts.
func jsSortCmp(a, b string) int {
	if compareUTF16(a, b) < 0 {
		return -1
	}
	return 1
}

// delta is Y.Text's toDelta without snapshots.
func (t *ytype) delta() []Delta {
	var ops []Delta
	cur := map[string]any{}
	var str strings.Builder
	copyAttrs := func() map[string]any {
		if len(cur) == 0 {
			return nil
		}
		m := make(map[string]any, len(cur))
		for k, v := range cur {
			m[k] = v
		}
		return m
	}
	pack := func() {
		if str.Len() > 0 {
			ops = append(ops, Delta{Insert: str.String(), Attributes: copyAttrs()})
			str.Reset()
		}
	}
	for n := t.start; n != nil; n = n.right {
		if n.deleted {
			continue
		}
		switch n.content.ref {
		case yjs.RefString:
			str.WriteString(n.content.str)
		case yjs.RefType, yjs.RefEmbed:
			pack()
			var ins any
			if n.content.ref == yjs.RefType {
				ins = n.content.typ.public()
			} else {
				ins = n.content.formatValue()
			}
			ops = append(ops, Delta{Insert: ins, Attributes: copyAttrs()})
		case yjs.RefFormat:
			pack()
			updateAttrs(cur, &n.content)
		}
	}
	pack()
	return ops
}

func updateAttrs(cur map[string]any, c *content) {
	if v := c.formatValue(); v == nil {
		delete(cur, c.key)
	} else {
		cur[c.key] = v
	}
}

// Text.

// String returns the text without formatting (Y.Text toString).
func (t *Text) String() string { return (*ytype)(t).plainString() }

// Delta returns the text as a delta (Y.Text toDelta).
func (t *Text) Delta() []Delta { return (*ytype)(t).delta() }

// ToJSON is Y.Text's toJSON: the plain string.
func (t *Text) ToJSON() any { return (*ytype)(t).toJSON() }

// Len is the length in UTF-16 units.
func (t *Text) Len() int { return int(t.length) }

// Map.

// ToJSON returns the entries with shared types converted by their toJSON.
func (m *Map) ToJSON() any { return (*ytype)(m).toJSON() }

// JSON is ToJSON with its static type: the entries, shared types
// converted by their toJSON.
func (m *Map) JSON() map[string]any { return (*ytype)(m).toJSON().(map[string]any) }

// Get returns the value of key (nil, false when absent or deleted).
func (m *Map) Get(key string) (any, bool) {
	it := m.m[key]
	if it == nil || it.deleted {
		return nil, false
	}
	return it.content.last(), true
}

// Keys lists the current keys in the order they were first set.
func (m *Map) Keys() []string {
	var out []string
	for _, k := range m.keys {
		if it := m.m[k]; it != nil && !it.deleted {
			out = append(out, k)
		}
	}
	return out
}

// Array.

// ToJSON returns the elements with shared types converted by their toJSON.
func (a *Array) ToJSON() any { return (*ytype)(a).toJSON() }

// Values returns the elements.
func (a *Array) Values() []any { return (*ytype)(a).listValues() }

// Len is the number of elements.
func (a *Array) Len() int { return int(a.length) }

// XML types.

func xmlChildren(t *ytype) []XmlNode {
	var out []XmlNode
	for _, v := range t.listValues() {
		if n, ok := v.(XmlNode); ok {
			out = append(out, n)
		}
	}
	return out
}

// Children returns the element and text children in order; other values
// (which TipTap never writes) are left out.
func (f *XmlFragment) Children() []XmlNode { return xmlChildren((*ytype)(f)) }

// String is yjs's toString: the children's XML.
func (f *XmlFragment) String() string { return (*ytype)(f).xmlString() }

// ToJSON is yjs's toJSON of an XmlFragment: its toString.
func (f *XmlFragment) ToJSON() any { return f.String() }

// Len is the number of children.
func (f *XmlFragment) Len() int { return int(f.length) }

// NodeName is the element's name as written by its creator.
func (e *XmlElement) NodeName() string { return e.nodeName }

// Attributes returns the element's attributes (yjs getAttributes).
func (e *XmlElement) Attributes() map[string]any { return (*ytype)(e).mapValues() }

// Children returns the element's element and text children in order.
func (e *XmlElement) Children() []XmlNode { return xmlChildren((*ytype)(e)) }

// String is yjs's toString: attributes sorted by name, lower-case name.
func (e *XmlElement) String() string { return (*ytype)(e).xmlString() }

// ToJSON is yjs's toJSON of an XmlElement: its toString.
func (e *XmlElement) ToJSON() any { return e.String() }

// Len is the number of children.
func (e *XmlElement) Len() int { return int(e.length) }

// Delta returns the text as a delta (yjs toDelta).
func (t *XmlText) Delta() []Delta { return (*ytype)(t).delta() }

// String is yjs's XmlText toString: formatting attributes as nested tags.
func (t *XmlText) String() string { return (*ytype)(t).xmlString() }

// ToJSON is yjs's toJSON of an XmlText: its toString.
func (t *XmlText) ToJSON() any { return t.String() }

// Len is the length in UTF-16 units.
func (t *XmlText) Len() int { return int(t.length) }

// HookName is the hook's name.
func (h *XmlHook) HookName() string { return h.nodeName }

// String is what JavaScript prints for a hook.
func (h *XmlHook) String() string { return "[object Object]" }

// ToJSON is the hook's map.
func (h *XmlHook) ToJSON() any { return (*ytype)(h).toJSON() }
