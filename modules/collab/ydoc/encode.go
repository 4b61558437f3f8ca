package ydoc

import (
	"slices"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// EncodeStateAsUpdate encodes what the document holds beyond the encoded
// state vector sv (nil or empty: everything) as a V1 update, with
// yjs's encodeStateAsUpdate semantics: structs per client from the target
// clock, the delete set of the whole document, and the pending structs and
// deletes merged in.
func (d *Doc) EncodeStateAsUpdate(sv []byte) ([]byte, error) {
	target := map[uint64]uint64{}
	if len(sv) > 0 {
		var err error
		if target, err = d.limits.Codec.DecodeStateVector(sv); err != nil {
			return nil, err
		}
	} else {
		sv = []byte{0}
	}
	out := d.writeClientsStructs(nil, target)
	out = d.deleteSetFromStore().appendTo(out)
	updates := [][]byte{out}
	if d.pendingDs != nil {
		updates = append(updates, d.pendingDs)
	}
	if d.pending != nil {
		diff, err := d.limits.Codec.DiffUpdate(d.pending.update, sv)
		if err != nil {
			return nil, err
		}
		updates = append(updates, diff)
	}
	if len(updates) > 1 {
		return d.limits.Codec.MergeUpdates(updates)
	}
	return out, nil
}

// writeClientsStructs is yjs's writeClientsStructs.
func (d *Doc) writeClientsStructs(dst []byte, sv map[uint64]uint64) []byte {
	store := d.store
	type entry struct{ client, clock uint64 }
	var sm []entry
	for c, clock := range sv {
		if store.state(c) > clock {
			sm = append(sm, entry{c, clock})
		}
	}
	for _, c := range store.order {
		if _, ok := sv[c]; !ok {
			sm = append(sm, entry{c, 0})
		}
	}
	slices.SortFunc(sm, func(a, b entry) int { return cmpU64(b.client, a.client) })
	dst = appendVarUint(dst, uint64(len(sm)))
	for _, e := range sm {
		structs := store.clients[e.client]
		clock := max(e.clock, structs[0].id.Clock)
		start := findIndex(structs, clock)
		dst = appendVarUint(dst, uint64(len(structs)-start))
		dst = appendVarUint(dst, e.client)
		dst = appendVarUint(dst, clock)
		first := structs[start]
		dst = first.write(dst, clock-first.id.Clock)
		for _, s := range structs[start+1:] {
			dst = s.write(dst, 0)
		}
	}
	return dst
}

// write is yjs's Item.write / GC.write.
func (it *item) write(dst []byte, offset uint64) []byte {
	if it.gc {
		return appendVarUint(append(dst, 0), it.length-offset)
	}
	hasOrigin, origin := it.hasOrigin, it.origin
	if offset > 0 {
		hasOrigin, origin = true, ID{Client: it.id.Client, Clock: it.id.Clock + offset - 1}
	}
	info := byte(it.content.ref) & 0x1f
	if hasOrigin {
		info |= 0x80
	}
	if it.hasRightOrigin {
		info |= 0x40
	}
	if it.hasParentSub {
		info |= 0x20
	}
	dst = append(dst, info)
	if hasOrigin {
		dst = appendVarUint(appendVarUint(dst, origin.Client), origin.Clock)
	}
	if it.hasRightOrigin {
		dst = appendVarUint(appendVarUint(dst, it.rightOrigin.Client), it.rightOrigin.Clock)
	}
	if !hasOrigin && !it.hasRightOrigin {
		p := it.parent
		if p.item == nil {
			dst = appendVarString(append(dst, 1), p.rootName)
		} else {
			dst = appendVarUint(appendVarUint(append(dst, 0), p.item.id.Client), p.item.id.Clock)
		}
		if it.hasParentSub {
			dst = appendVarString(dst, it.parentSub)
		}
	}
	c := &it.content
	switch c.ref {
	case yjs.RefDeleted:
		dst = appendVarUint(dst, it.length-offset)
	case yjs.RefJSON, yjs.RefAny:
		dst = appendVarUint(dst, uint64(len(c.elems))-offset)
		for _, e := range c.elems[offset:] {
			if c.ref == yjs.RefJSON {
				dst = appendVarBytes(dst, e)
			} else {
				dst = append(dst, e...)
			}
		}
	case yjs.RefBinary, yjs.RefEmbed:
		dst = appendVarBytes(dst, c.data)
	case yjs.RefString:
		if offset == 0 {
			dst = appendVarString(dst, c.str)
		} else {
			if c.wide {
				dst = appendVarString(dst, sliceUTF16(c.str, offset))
			} else {
				dst = appendVarString(dst, c.str[offset:])
			}
		}
	case yjs.RefFormat:
		dst = appendVarBytes(appendVarString(dst, c.key), c.data)
	case yjs.RefType:
		t := c.typ
		dst = appendVarUint(dst, uint64(t.kind))
		if t.kind == yjs.TypeXMLElement || t.kind == yjs.TypeXMLHook {
			dst = appendVarString(dst, t.nodeName)
		}
	case yjs.RefDoc:
		dst = append(appendVarString(dst, c.key), c.data...)
	}
	return dst
}

// deleteSetFromStore is yjs's createDeleteSetFromStructStore.
func (d *Doc) deleteSetFromStore() *deleteSet {
	ds := &deleteSet{}
	for _, client := range d.store.order {
		structs := d.store.clients[client]
		for i := 0; i < len(structs); i++ {
			s := structs[i]
			if s.deleted {
				clock, n := s.id.Clock, s.length
				for i+1 < len(structs) && structs[i+1].deleted {
					i++
					n += structs[i].length
				}
				ds.add(client, clock, n)
			}
		}
	}
	return ds
}
