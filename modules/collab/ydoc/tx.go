package ydoc

import (
	"errors"
	"fmt"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// Tx is a local transaction: edits made through it are integrated at once
// and sent as one update when Transact returns.
//
// The edit methods named after yjs's XML API (InsertElement, TextInsert, …)
// return no error, so that a document diff reads as a list of edits: the
// first failing edit is recorded, later edits are skipped, and Transact
// returns the error.
type Tx struct {
	t   *transaction
	err error
}

// note records err and reports whether the edit succeeded.
func (tx *Tx) note(err error) bool {
	if err != nil && tx.err == nil {
		tx.err = err
	}
	return err == nil
}

// Err is the first error of an edit in this transaction.
func (tx *Tx) Err() error { return tx.err }

// ErrBadEdit is wrapped by errors about edits that cannot be made (an
// index past the end, a value with no JavaScript counterpart).
var ErrBadEdit = errors.New("ydoc: invalid edit")

func badEdit(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadEdit}, args...)...)
}

// Transact runs fn as one local transaction (yjs transact) and returns the
// update it produced, encoded as yjs encodes it for its 'update' event:
// the new structs and the transaction's delete set (nil when nothing
// changed). Edits made before fn returns an error stay applied, as in yjs,
// and are included in the update.
func (d *Doc) Transact(fn func(tx *Tx) error) (update []byte, err error) {
	if d.tx != nil {
		return nil, fmt.Errorf("ydoc: Transact called inside a transaction")
	}
	var ferr error
	tx, err := d.transact(func(t *transaction) error {
		x := &Tx{t: t}
		ferr = fn(x)
		if ferr == nil {
			ferr = x.err
		}
		return nil
	}, true)
	if ferr == nil {
		ferr = err
	}
	changed := len(tx.ds.clients) > 0
	for c, clock := range tx.afterState {
		if tx.before(c) != clock {
			changed = true
		}
	}
	if !changed {
		return nil, ferr
	}
	out := d.writeClientsStructs(nil, tx.beforeState)
	return tx.ds.appendTo(out), ferr
}

// omap is a JavaScript Map / object of attributes: insertion ordered.
type omap struct {
	keys []string
	m    map[string]any
}

func (o *omap) get(k string) (any, bool) {
	v, ok := o.m[k]
	return v, ok
}

func (o *omap) set(k string, v any) {
	if o.m == nil {
		o.m = map[string]any{}
	}
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

func (o *omap) del(k string) {
	if _, ok := o.m[k]; !ok {
		return
	}
	delete(o.m, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

func (o *omap) clone() *omap {
	c := &omap{keys: append([]string(nil), o.keys...), m: make(map[string]any, len(o.m))}
	for k, v := range o.m {
		c.m[k] = v
	}
	return c
}

func (o *omap) size() int { return len(o.keys) }

func omapOf(m map[string]any) *omap {
	o := &omap{}
	for _, k := range jsKeys(m) {
		o.set(k, m[k])
	}
	return o
}

func (o *omap) updateFormat(c *content) {
	if v := c.formatValue(); v == nil {
		o.del(c.key)
	} else {
		o.set(c.key, v)
	}
}

// newItem creates and integrates a local item between left and right.
func (tx *Tx) newItem(left, right *item, parent *ytype, sub string, hasSub bool, c content) (*item, error) {
	d := tx.t.doc
	it := &item{
		id:           ID{Client: d.clientID, Clock: d.store.state(d.clientID)},
		left:         left,
		right:        right,
		parent:       parent,
		parentSub:    sub,
		hasParentSub: hasSub,
		content:      c,
	}
	if left != nil {
		it.hasOrigin, it.origin = true, left.lastID()
	}
	if right != nil {
		it.hasRightOrigin, it.rightOrigin = true, right.id
	}
	it.length = contentLength(&it.content)
	it.countable = it.content.isCountable()
	return it, it.integrate(tx.t, 0)
}

func contentLength(c *content) uint64 {
	switch c.ref {
	case yjs.RefString:
		return utf16Len(c.str)
	case yjs.RefAny, yjs.RefJSON:
		return uint64(len(c.elems))
	}
	return 1
}

// anyContent encodes values as ContentAny.
func anyContent(values []any) (content, error) {
	c := content{ref: yjs.RefAny, contentExt: &contentExt{}}
	for _, v := range values {
		b, err := appendAny(nil, v, 0)
		if err != nil {
			return c, badEdit("value %T cannot be stored", v)
		}
		c.elems = append(c.elems, b)
	}
	return c, nil
}

func jsonContent(ref yjs.ContentRef, key string, v any) (content, error) {
	b, err := appendJSON(nil, v, 0)
	if err != nil {
		return content{}, badEdit("value %T cannot be stored as JSON", v)
	}
	return content{ref: ref, contentExt: &contentExt{key: key, data: b}}, nil
}

// Generic list operations (yjs typeListInsertGenerics, typeListDelete).

// listContent is one element inserted into a list: a value or a new type.
type listContent struct {
	value any
	typ   *ytype
}

func (tx *Tx) listInsertAfter(parent *ytype, ref *item, contents []listContent) error {
	left := ref
	var right *item
	if ref == nil {
		right = parent.start
	} else {
		right = ref.right
	}
	var pack []any
	flush := func() error {
		if len(pack) == 0 {
			return nil
		}
		c, err := anyContent(pack)
		if err != nil {
			return err
		}
		pack = nil
		left, err = tx.newItem(left, right, parent, "", false, c)
		return err
	}
	for _, lc := range contents {
		if lc.typ == nil {
			if b, ok := lc.value.([]byte); ok {
				if err := flush(); err != nil {
					return err
				}
				var err error
				if left, err = tx.newItem(left, right, parent, "", false, content{ref: yjs.RefBinary, contentExt: &contentExt{data: b}}); err != nil {
					return err
				}
				continue
			}
			pack = append(pack, lc.value)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		var err error
		if left, err = tx.newItem(left, right, parent, "", false, content{ref: yjs.RefType, contentExt: &contentExt{typ: lc.typ}}); err != nil {
			return err
		}
	}
	return flush()
}

func (tx *Tx) listInsert(parent *ytype, index int, contents []listContent) error {
	idx := int64(index)
	if index < 0 || idx > parent.length {
		return badEdit("index %d beyond length %d", index, parent.length)
	}
	if idx == 0 {
		if parent.markers != nil {
			parent.updateMarkerChanges(idx, int64(len(contents)))
		}
		return tx.listInsertAfter(parent, nil, contents)
	}
	start := idx
	m := parent.findMarker(idx)
	n := parent.start
	if m != nil {
		n = m.p
		idx -= m.index
		if idx == 0 {
			n = n.prev()
			if n != nil && n.countable && !n.deleted {
				idx += int64(n.length)
			}
		}
	}
	store := tx.t.doc.store
	for ; n != nil; n = n.right {
		if !n.deleted && n.countable {
			if idx <= int64(n.length) {
				if idx < int64(n.length) {
					if _, err := store.getItemCleanStart(tx.t, ID{Client: n.id.Client, Clock: n.id.Clock + uint64(idx)}); err != nil {
						return err
					}
				}
				break
			}
			idx -= int64(n.length)
		}
	}
	if parent.markers != nil {
		parent.updateMarkerChanges(start, int64(len(contents)))
	}
	return tx.listInsertAfter(parent, n, contents)
}

func (tx *Tx) listDelete(parent *ytype, index, length int) error {
	if length == 0 {
		return nil
	}
	if index < 0 || length < 0 {
		return badEdit("negative index or length")
	}
	store := tx.t.doc.store
	idx, n64 := int64(index), int64(length)
	start, startLen := idx, n64
	m := parent.findMarker(idx)
	n := parent.start
	if m != nil {
		n = m.p
		idx -= m.index
	}
	for ; n != nil && idx > 0; n = n.right {
		if !n.deleted && n.countable {
			if idx < int64(n.length) {
				if _, err := store.getItemCleanStart(tx.t, ID{Client: n.id.Client, Clock: n.id.Clock + uint64(idx)}); err != nil {
					return err
				}
			}
			idx -= int64(n.length)
		}
	}
	for n64 > 0 && n != nil {
		if !n.deleted {
			if n64 < int64(n.length) {
				if _, err := store.getItemCleanStart(tx.t, ID{Client: n.id.Client, Clock: n.id.Clock + uint64(n64)}); err != nil {
					return err
				}
			}
			tx.t.deleteItem(n)
			n64 -= int64(n.length)
		}
		n = n.right
	}
	if n64 > 0 {
		return badEdit("length exceeded")
	}
	if parent.markers != nil {
		parent.updateMarkerChanges(start, -startLen+n64)
	}
	return nil
}

func (tx *Tx) mapSet(parent *ytype, key string, value any) error {
	var c content
	var err error
	if b, ok := value.([]byte); ok {
		c = content{ref: yjs.RefBinary, contentExt: &contentExt{data: b}}
	} else if c, err = anyContent([]any{value}); err != nil {
		return err
	}
	left := parent.m[key]
	_, err = tx.newItem(left, nil, parent, key, true, c)
	return err
}

func (tx *Tx) mapDelete(parent *ytype, key string) {
	if it := parent.m[key]; it != nil {
		tx.t.deleteItem(it)
	}
}

// XML write API.

// InsertElement inserts a new element called nodeName at index of parent.
func (tx *Tx) InsertElement(parent XmlParent, index int, nodeName string) *XmlElement {
	if tx.err != nil {
		return nil
	}
	t := newType(tx.t.doc, yjs.TypeXMLElement, nodeName)
	if !tx.note(tx.listInsert(parent.xmlParent(), index, []listContent{{typ: t}})) {
		return nil
	}
	return (*XmlElement)(t)
}

// InsertText inserts a new, empty text node at index of parent.
func (tx *Tx) InsertText(parent XmlParent, index int) *XmlText {
	if tx.err != nil {
		return nil
	}
	t := newType(tx.t.doc, yjs.TypeXMLText, "")
	if !tx.note(tx.listInsert(parent.xmlParent(), index, []listContent{{typ: t}})) {
		return nil
	}
	return (*XmlText)(t)
}

// SetAttribute sets an attribute of e (yjs setAttribute).
func (tx *Tx) SetAttribute(e *XmlElement, key string, value any) {
	if tx.err != nil {
		return
	}
	tx.note(tx.mapSet((*ytype)(e), key, value))
}

// RemoveAttribute removes an attribute of e.
func (tx *Tx) RemoveAttribute(e *XmlElement, key string) {
	if tx.err != nil {
		return
	}
	tx.mapDelete((*ytype)(e), key)
}

// Delete removes length children of parent from index on.
func (tx *Tx) Delete(parent XmlParent, index, length int) {
	if tx.err != nil {
		return
	}
	tx.note(tx.listDelete(parent.xmlParent(), index, length))
}

// TextInsert inserts s at pos (UTF-16 units) with attrs; nil attrs take
// the formatting in effect at pos (yjs insert(index, text, attributes)).
func (tx *Tx) TextInsert(t *XmlText, pos int, s string, attrs map[string]any) {
	if tx.err != nil {
		return
	}
	tx.note(tx.textInsert((*ytype)(t), pos, stringContent(s), attrs))
}

// TextDelete deletes length units from pos.
func (tx *Tx) TextDelete(t *XmlText, pos, length int) {
	if tx.err != nil {
		return
	}
	tx.note(tx.textDelete((*ytype)(t), pos, length))
}

// TextFormat applies attrs to length units from pos; a nil value removes
// that attribute.
func (tx *Tx) TextFormat(t *XmlText, pos, length int, attrs map[string]any) {
	if tx.err != nil {
		return
	}
	tx.note(tx.textFormat((*ytype)(t), pos, length, attrs))
}

// TextInsertEmbed inserts an embed (a JSON value) at pos.
func (tx *Tx) TextInsertEmbed(t *XmlText, pos int, embed any, attrs map[string]any) {
	if tx.err != nil {
		return
	}
	c, err := jsonContent(yjs.RefEmbed, "", embed)
	if tx.note(err) {
		tx.note(tx.textInsert((*ytype)(t), pos, c, attrs))
	}
}

// Y.Text, Y.Map and Y.Array write API.

// Insert inserts s into a Y.Text (see TextInsert).
func (tx *Tx) Insert(t *Text, pos int, s string, attrs map[string]any) error {
	return tx.textInsert((*ytype)(t), pos, stringContent(s), attrs)
}

// InsertEmbed inserts an embed into a Y.Text.
func (tx *Tx) InsertEmbed(t *Text, pos int, embed any, attrs map[string]any) error {
	c, err := jsonContent(yjs.RefEmbed, "", embed)
	if err != nil {
		return err
	}
	return tx.textInsert((*ytype)(t), pos, c, attrs)
}

// DeleteText deletes from a Y.Text.
func (tx *Tx) DeleteText(t *Text, pos, length int) error {
	return tx.textDelete((*ytype)(t), pos, length)
}

// Format formats a range of a Y.Text.
func (tx *Tx) Format(t *Text, pos, length int, attrs map[string]any) error {
	return tx.textFormat((*ytype)(t), pos, length, attrs)
}

// MapSet sets key of a Y.Map to a value ([]byte is stored as binary).
func (tx *Tx) MapSet(m *Map, key string, value any) error { return tx.mapSet((*ytype)(m), key, value) }

// MapDelete removes key from a Y.Map.
func (tx *Tx) MapDelete(m *Map, key string) { tx.mapDelete((*ytype)(m), key) }

// ArrayInsert inserts values into a Y.Array.
func (tx *Tx) ArrayInsert(a *Array, index int, values []any) error {
	cs := make([]listContent, len(values))
	for i, v := range values {
		cs[i] = listContent{value: v}
	}
	return tx.listInsert((*ytype)(a), index, cs)
}

// ArrayDelete deletes elements of a Y.Array.
func (tx *Tx) ArrayDelete(a *Array, index, length int) error {
	return tx.listDelete((*ytype)(a), index, length)
}
