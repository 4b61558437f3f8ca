package ydoc

import (
	"fmt"
	"slices"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// ApplyUpdate integrates a V1 update, like yjs's applyUpdate. Updates may
// arrive in any order: structs whose dependencies are missing and deletes
// of unknown structs are kept pending and retried as yjs does. Malformed or
// oversized input returns an error (wrapping yjs.ErrMalformed, yjs.ErrLimit
// or ErrCorrupt); input that decodes but cannot be integrated may leave
// part of it applied, as in yjs.
func (d *Doc) ApplyUpdate(update []byte) (err error) {
	if d.tx != nil {
		return fmt.Errorf("ydoc: ApplyUpdate called inside a transaction")
	}
	u, err := d.limits.Codec.DecodeUpdate(update)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			d.tx = nil
			d.cleanups = nil
			err = fmt.Errorf("%w: internal error: %v", ErrCorrupt, r)
		}
	}()
	_, err = d.transact(func(tx *transaction) error { return d.readUpdate(tx, u) }, false)
	return err
}

type clientRefs struct {
	i    int
	refs []*yjs.Struct
}

// readUpdate is yjs's readUpdateV2 body.
func (d *Doc) readUpdate(tx *transaction, u *yjs.Update) error {
	refs := map[uint64]*clientRefs{}
	for i := 0; i < len(u.Structs); {
		s := &u.Structs[i]
		j := i + 1
		for j < len(u.Structs) && u.Structs[j].ID.Client == s.ID.Client && u.Structs[j].ID.Clock == u.Structs[j-1].End() {
			j++
		}
		group := make([]*yjs.Struct, 0, j-i)
		for k := i; k < j; k++ {
			st := &u.Structs[k]
			if st.Kind == yjs.KindItem && st.Parent == yjs.ParentRoot && !st.HasOrigin && !st.HasRightOrigin {
				d.root(string(st.ParentName))
			}
			group = append(group, st)
		}
		refs[s.ID.Client] = &clientRefs{refs: group}
		i = j
	}
	rest, err := d.integrateStructs(tx, refs)
	if err != nil {
		return err
	}
	retry := false
	if p := d.pending; p != nil {
		for _, c := range p.order {
			if p.missing[c] < d.store.state(c) {
				retry = true
				break
			}
		}
		if rest != nil {
			for _, c := range rest.order {
				clock := rest.missing[c]
				if m, ok := p.missing[c]; !ok || m > clock {
					if !ok {
						p.order = append(p.order, c)
					}
					p.missing[c] = clock
				}
			}
			merged, err := d.limits.Codec.MergeUpdates([][]byte{p.update, rest.update})
			if err != nil {
				return err
			}
			if len(merged) > d.limits.MaxPendingBytes {
				return fmt.Errorf("%w: pending structs exceed %d bytes", yjs.ErrLimit, d.limits.MaxPendingBytes)
			}
			p.update = merged
		}
	} else {
		d.pending = rest
	}
	dsRest, err := d.applyDeleteSet(tx, u.DeleteSet.Clients)
	if err != nil {
		return err
	}
	if d.pendingDs != nil {
		pu, err := d.limits.Codec.DecodeUpdate(d.pendingDs)
		if err != nil {
			return err
		}
		dsRest2, err := d.applyDeleteSet(tx, pu.DeleteSet.Clients)
		if err != nil {
			return err
		}
		switch {
		case dsRest != nil && dsRest2 != nil:
			merged, err := d.limits.Codec.MergeUpdates([][]byte{dsRest, dsRest2})
			if err != nil {
				return err
			}
			d.pendingDs = merged
		case dsRest != nil:
			d.pendingDs = dsRest
		default:
			d.pendingDs = dsRest2
		}
	} else {
		d.pendingDs = dsRest
	}
	if len(d.pendingDs) > d.limits.MaxPendingBytes {
		return fmt.Errorf("%w: pending deletes exceed %d bytes", yjs.ErrLimit, d.limits.MaxPendingBytes)
	}
	if retry {
		update := d.pending.update
		d.pending = nil
		pu, err := d.limits.Codec.DecodeUpdate(update)
		if err != nil {
			return err
		}
		return d.readUpdate(tx, pu)
	}
	return nil
}

// integrateStructs is yjs's integrateStructs: it integrates the structs of
// every client, following dependencies across clients with a stack, and
// returns the structs that must wait for other updates.
func (d *Doc) integrateStructs(tx *transaction, refs map[uint64]*clientRefs) (*pendingStructs, error) {
	store := d.store
	ids := make([]uint64, 0, len(refs))
	for c := range refs {
		ids = append(ids, c)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	nextTarget := func() *clientRefs {
		for len(ids) > 0 {
			t := refs[ids[len(ids)-1]]
			if t != nil && t.i < len(t.refs) {
				return t
			}
			ids = ids[:len(ids)-1]
		}
		return nil
	}
	cur := nextTarget()
	if cur == nil {
		return nil, nil
	}
	rest := map[uint64][]*yjs.Struct{}
	var restOrder []uint64
	missingSV := map[uint64]uint64{}
	var missingOrder []uint64
	updateMissing := func(client, clock uint64) {
		if m, ok := missingSV[client]; !ok || m > clock {
			if !ok {
				missingOrder = append(missingOrder, client)
			}
			missingSV[client] = clock
		}
	}
	var stack []*yjs.Struct
	head := cur.refs[cur.i]
	cur.i++
	state := map[uint64]uint64{}
	addStackToRest := func() {
		for _, s := range stack {
			client := s.ID.Client
			if _, ok := rest[client]; !ok {
				restOrder = append(restOrder, client)
			}
			if inapplicable, ok := refs[client]; ok {
				inapplicable.i--
				rest[client] = slices.Clone(inapplicable.refs[inapplicable.i:])
				delete(refs, client)
				inapplicable.i = 0
				inapplicable.refs = nil
			} else {
				rest[client] = []*yjs.Struct{s}
			}
			ids = slices.DeleteFunc(ids, func(c uint64) bool { return c == client })
		}
		stack = stack[:0]
	}
	for {
		if head.Kind != yjs.KindSkip {
			local, ok := state[head.ID.Client]
			if !ok {
				local = store.state(head.ID.Client)
				state[head.ID.Client] = local
			}
			if local < head.ID.Clock {
				stack = append(stack, head)
				updateMissing(head.ID.Client, head.ID.Clock-1)
				addStackToRest()
			} else {
				offset := local - head.ID.Clock
				var missingClient uint64
				var isMissing bool
				var it *item
				var err error
				if head.Kind == yjs.KindGC {
					it = &item{id: head.ID, length: head.Length, gc: true, deleted: true}
				} else if missingClient, isMissing, it, err = d.missing(tx, head); err != nil {
					return nil, err
				}
				if isMissing {
					stack = append(stack, head)
					next := refs[missingClient]
					if next == nil || next.i == len(next.refs) {
						updateMissing(missingClient, store.state(missingClient))
						addStackToRest()
					} else {
						head = next.refs[next.i]
						next.i++
						continue
					}
				} else if offset == 0 || offset < head.Length {
					if it.gc {
						if offset > 0 {
							it.id.Clock += offset
							it.length -= offset
						}
						if err := store.add(it); err != nil {
							return nil, err
						}
					} else if err := it.integrate(tx, offset); err != nil {
						return nil, err
					}
					state[head.ID.Client] = head.ID.Clock + head.Length
				}
			}
		}
		if len(stack) > 0 {
			head = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		} else if cur != nil && cur.i < len(cur.refs) {
			head = cur.refs[cur.i]
			cur.i++
		} else {
			cur = nextTarget()
			if cur == nil {
				break
			}
			head = cur.refs[cur.i]
			cur.i++
		}
	}
	if len(rest) == 0 {
		return nil, nil
	}
	clients := slices.Clone(restOrder)
	slices.SortFunc(clients, func(a, b uint64) int { return cmpU64(b, a) })
	var u yjs.Update
	for _, c := range clients {
		for _, s := range rest[c] {
			u.Structs = append(u.Structs, *s)
		}
	}
	return &pendingStructs{missing: missingSV, order: missingOrder, update: u.Encode()}, nil
}

// applyDeleteSet is yjs's readAndApplyDeleteSet; it returns the deletes of
// structs the document does not have yet, as an update, or nil.
func (d *Doc) applyDeleteSet(tx *transaction, clients []yjs.ClientDeletes) ([]byte, error) {
	store := d.store
	var unapplied deleteSet
	for _, cd := range clients {
		client := cd.Client
		state := store.state(client)
		for _, r := range cd.Ranges {
			clock := r.Clock
			clockEnd := clock + r.Len
			if clock >= state {
				unapplied.add(client, clock, clockEnd-clock)
				continue
			}
			if state < clockEnd {
				unapplied.add(client, state, clockEnd-state)
			}
			structs := store.clients[client]
			index := findIndex(structs, clock)
			if index < 0 {
				return nil, errCorrupt("delete of a missing struct")
			}
			it := structs[index]
			if !it.deleted && it.id.Clock < clock {
				store.insertAt(tx, client, index+1, splitItem(tx, it, clock-it.id.Clock))
				index++
			}
			if err := tx.overBudget(); err != nil {
				return nil, err
			}
			for {
				structs = store.clients[client]
				if index >= len(structs) {
					break
				}
				it = structs[index]
				index++
				if it.id.Clock >= clockEnd {
					break
				}
				if !it.deleted {
					if clockEnd < it.id.Clock+it.length {
						store.insertAt(tx, client, index, splitItem(tx, it, clockEnd-it.id.Clock))
					}
					tx.deleteItem(it)
				}
			}
		}
	}
	if len(unapplied.clients) == 0 {
		return nil, nil
	}
	return unapplied.appendTo([]byte{0}), nil
}
