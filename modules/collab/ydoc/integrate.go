package ydoc

import (
	"github.com/thebrain/thebrain/modules/collab/yjs"
)

func compareIDs(hasA bool, a ID, hasB bool, b ID) bool {
	return hasA == hasB && (!hasA || a == b)
}

// integrate is yjs's Item.integrate: it places the item among the items of
// its parent (YATA conflict resolution), links it and records it in the
// store. An item without parent becomes a GC struct.
func (it *item) integrate(tx *transaction, offset uint64) error {
	d := tx.doc
	store := d.store
	if offset > 0 {
		it.id.Clock += offset
		left, err := store.getItemCleanEnd(tx, ID{Client: it.id.Client, Clock: it.id.Clock - 1})
		if err != nil {
			return err
		}
		it.left = left
		it.hasOrigin = true
		it.origin = left.lastID()
		if it.content.wide {
			tx.steps += int64(len(it.content.str))/8 + 1
		}
		it.content = it.content.splitContent(offset, it.length)
		it.length -= offset
	}
	if it.parent == nil {
		gc := &item{id: it.id, length: it.length, gc: true, deleted: true}
		return store.add(gc)
	}
	parent := it.parent
	if it.content.ref == yjs.RefType && parent.depth+1 > d.limits.MaxTypeDepth {
		return errCorrupt("shared types nested too deeply")
	}
	if (it.left == nil && (it.right == nil || it.right.left != nil)) || (it.left != nil && it.left.right != it.right) {
		left := it.left
		var o *item
		switch {
		case left != nil:
			o = left.right
		case it.hasParentSub:
			o = parent.m[it.parentSub]
			for o != nil && o.left != nil {
				o = o.left
			}
		default:
			o = parent.start
		}
		var conflicting, before map[*item]struct{}
		for o != nil && o != it.right {
			tx.steps++
			if err := tx.overBudget(); err != nil {
				return err
			}
			if before == nil {
				before = map[*item]struct{}{}
				conflicting = map[*item]struct{}{}
			}
			before[o] = struct{}{}
			conflicting[o] = struct{}{}
			if compareIDs(it.hasOrigin, it.origin, o.hasOrigin, o.origin) {
				if o.id.Client < it.id.Client {
					left = o
					clear(conflicting)
				} else if compareIDs(it.hasRightOrigin, it.rightOrigin, o.hasRightOrigin, o.rightOrigin) {
					break
				}
			} else if o.hasOrigin {
				oo, err := store.find(o.origin)
				if err != nil {
					return err
				}
				if _, ok := before[oo]; !ok {
					break
				}
				if _, ok := conflicting[oo]; !ok {
					left = o
					clear(conflicting)
				}
			} else {
				break
			}
			o = o.right
		}
		it.left = left
	}
	if it.left != nil {
		it.right = it.left.right
		it.left.right = it
	} else {
		var r *item
		if it.hasParentSub {
			r = parent.m[it.parentSub]
			for r != nil && r.left != nil {
				r = r.left
			}
		} else {
			r = parent.start
			parent.start = it
		}
		it.right = r
	}
	if it.right != nil {
		it.right.left = it
	} else if it.hasParentSub {
		parent.setMap(it.parentSub, it)
		if it.left != nil {
			tx.deleteItem(it.left)
		}
	}
	if !it.hasParentSub && it.countable && !it.deleted {
		parent.length += int64(it.length)
	}
	if err := store.add(it); err != nil {
		return err
	}
	switch it.content.ref {
	case yjs.RefType:
		t := it.content.typ
		t.doc = d
		t.item = it
		t.depth = parent.depth + 1
	case yjs.RefFormat:
		parent.markers = nil
		parent.hasFormatting = true
	case yjs.RefDeleted:
		tx.ds.add(it.id.Client, it.id.Clock, it.length)
		it.deleted = true
	}
	tx.addChanged(parent)
	if (parent.item != nil && parent.item.deleted) || (it.hasParentSub && it.right != nil) {
		tx.deleteItem(it)
	}
	return nil
}

// itemFromStruct builds an Item from a decoded struct, without resolving
// its neighbours.
func (d *Doc) itemFromStruct(s *yjs.Struct) *item {
	it := &item{
		id:             s.ID,
		length:         s.Length,
		hasOrigin:      s.HasOrigin,
		origin:         s.Origin,
		hasRightOrigin: s.HasRightOrigin,
		rightOrigin:    s.RightOrigin,
	}
	c := &s.Content
	it.content.ref = c.Ref
	if c.Ref != yjs.RefString && c.Ref != yjs.RefDeleted {
		it.content.contentExt = &contentExt{}
	}
	switch c.Ref {
	case yjs.RefString:
		it.content = stringContent(string(c.Data))
	case yjs.RefAny:
		it.content.elems = splitAnys(c.Data, s.Length)
	case yjs.RefJSON:
		it.content.elems = splitVarStrings(c.Data, s.Length)
	case yjs.RefBinary, yjs.RefEmbed:
		it.content.data = c.Data
	case yjs.RefFormat:
		it.content.key = string(c.Key)
		it.content.data = c.Data
	case yjs.RefType:
		it.content.typ = newType(d, int(c.TypeRef), string(c.Key))
	case yjs.RefDoc:
		it.content.key = string(c.Key)
		it.content.data = c.Data
	}
	it.countable = it.content.isCountable()
	return it
}

func splitAnys(b []byte, n uint64) [][]byte {
	out := make([][]byte, 0, n)
	for i := uint64(0); i < n && len(b) > 0; i++ {
		k := skipAny(b)
		out = append(out, b[:k:k])
		b = b[k:]
	}
	return out
}

func splitVarStrings(b []byte, n uint64) [][]byte {
	out := make([][]byte, 0, n)
	r := valueReader{b: b}
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, r.bytes(r.varUint()))
	}
	return out
}

// missing is yjs's Item.getMissing: it returns the client of a struct the
// item depends on that is not there yet, or resolves the item's
// neighbours and parent.
func (d *Doc) missing(tx *transaction, s *yjs.Struct) (client uint64, isMissing bool, it *item, err error) {
	store := d.store
	own := s.ID.Client
	if s.HasOrigin && s.Origin.Client != own && s.Origin.Clock >= store.state(s.Origin.Client) {
		return s.Origin.Client, true, nil, nil
	}
	if s.HasRightOrigin && s.RightOrigin.Client != own && s.RightOrigin.Clock >= store.state(s.RightOrigin.Client) {
		return s.RightOrigin.Client, true, nil, nil
	}
	if s.Parent == yjs.ParentItem && !s.HasOrigin && !s.HasRightOrigin && s.ParentID.Client != own && s.ParentID.Clock >= store.state(s.ParentID.Client) {
		return s.ParentID.Client, true, nil, nil
	}
	it = d.itemFromStruct(s)
	if s.HasOrigin {
		if it.left, err = store.getItemCleanEnd(tx, s.Origin); err != nil {
			return 0, false, nil, err
		}
		it.origin = it.left.lastID()
	}
	if s.HasRightOrigin {
		if it.right, err = store.getItemCleanStart(tx, s.RightOrigin); err != nil {
			return 0, false, nil, err
		}
		it.rightOrigin = it.right.id
	}
	switch {
	case (it.left != nil && it.left.gc) || (it.right != nil && it.right.gc):
		it.parent = nil
	case s.HasOrigin || s.HasRightOrigin:
		if it.left != nil {
			it.parent, it.parentSub, it.hasParentSub = it.left.parent, it.left.parentSub, it.left.hasParentSub
		} else if it.right != nil {
			it.parent, it.parentSub, it.hasParentSub = it.right.parent, it.right.parentSub, it.right.hasParentSub
		}
	case s.Parent == yjs.ParentItem:
		p, err := store.find(s.ParentID)
		if err != nil {
			return 0, false, nil, err
		}
		if !p.gc && p.content.ref == yjs.RefType {
			it.parent = p.content.typ
		}
		it.parentSub, it.hasParentSub = string(s.ParentSub), s.HasParentSub
	default:
		it.parent = d.root(string(s.ParentName))
		it.parentSub, it.hasParentSub = string(s.ParentSub), s.HasParentSub
	}
	return 0, false, it, nil
}
