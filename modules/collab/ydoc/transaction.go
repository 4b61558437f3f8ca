package ydoc

import (
	"fmt"
	"slices"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// deleteSet collects deleted ranges per client (yjs DeleteSet).
type deleteSet struct {
	clients map[uint64][]yjs.DeleteRange
	order   []uint64
}

func (ds *deleteSet) add(client, clock, n uint64) {
	if ds.clients == nil {
		ds.clients = map[uint64][]yjs.DeleteRange{}
	}
	rs, ok := ds.clients[client]
	if !ok {
		ds.order = append(ds.order, client)
	}
	ds.clients[client] = append(rs, yjs.DeleteRange{Clock: clock, Len: n})
}

// sortAndMerge is yjs's sortAndMergeDeleteSet.
func (ds *deleteSet) sortAndMerge() {
	for c, dels := range ds.clients {
		slices.SortStableFunc(dels, func(a, b yjs.DeleteRange) int { return cmpU64(a.Clock, b.Clock) })
		j := 1
		for i := 1; i < len(dels); i++ {
			left, right := dels[j-1], dels[i]
			if left.Clock+left.Len >= right.Clock {
				dels[j-1] = yjs.DeleteRange{Clock: left.Clock, Len: max(left.Len, right.Clock+right.Len-left.Clock)}
			} else {
				dels[j] = right
				j++
			}
		}
		if len(dels) > 0 {
			ds.clients[c] = dels[:j]
		}
	}
}

// encode writes the delete set as yjs's writeDeleteSet: clients in
// descending order, ranges as held.
func (ds *deleteSet) appendTo(dst []byte) []byte {
	clients := make([]uint64, 0, len(ds.clients))
	for c := range ds.clients {
		clients = append(clients, c)
	}
	slices.SortFunc(clients, func(a, b uint64) int { return cmpU64(b, a) })
	dst = appendVarUint(dst, uint64(len(clients)))
	for _, c := range clients {
		rs := ds.clients[c]
		dst = appendVarUint(appendVarUint(dst, c), uint64(len(rs)))
		for _, r := range rs {
			dst = appendVarUint(appendVarUint(dst, r.Clock), r.Len)
		}
	}
	return dst
}

// transaction is a yjs Transaction, reduced to what integration needs.
type transaction struct {
	doc          *Doc
	local        bool
	beforeState  map[uint64]uint64
	afterState   map[uint64]uint64
	ds           deleteSet
	changed      map[*ytype]bool
	changedOrder []*ytype
	mergeStructs []*item
	steps        int64
}

func (tx *transaction) before(client uint64) uint64 { return tx.beforeState[client] }

func (tx *transaction) addChanged(t *ytype) {
	it := t.item
	if it == nil || (it.id.Clock < tx.before(it.id.Client) && !it.deleted) {
		if tx.changed == nil {
			tx.changed = map[*ytype]bool{}
		}
		if _, ok := tx.changed[t]; !ok {
			tx.changedOrder = append(tx.changedOrder, t)
		}
		tx.changed[t] = true
	}
}

// overBudget reports an error once the transaction's integration work
// (conflict scans, struct moves on splits) exceeds MaxIntegrationSteps.
func (tx *transaction) overBudget() error {
	if tx.steps > tx.doc.limits.MaxIntegrationSteps {
		return fmt.Errorf("%w: integration exceeds its work limit of %d steps", yjs.ErrLimit, tx.doc.limits.MaxIntegrationSteps)
	}
	return nil
}

// transact runs fn in a transaction, as yjs's transact: nested calls join
// the running transaction; transactions started while another one is being
// cleaned up are cleaned up after it.
func (d *Doc) transact(fn func(tx *transaction) error, local bool) (*transaction, error) {
	if d.tx != nil {
		return d.tx, fn(d.tx)
	}
	tx := &transaction{doc: d, local: local, beforeState: d.store.stateVector()}
	d.tx = tx
	defer func() {
		if r := recover(); r != nil {
			// leave the document usable for the next call
			d.tx = nil
			d.cleanups = nil
			panic(r)
		}
	}()
	err := fn(tx)
	d.tx = nil
	d.cleanups = append(d.cleanups, tx)
	if len(d.cleanups) == 1 {
		for i := 0; i < len(d.cleanups); i++ {
			if cerr := d.cleanup(d.cleanups[i]); cerr != nil && err == nil && i == 0 {
				err = cerr
			}
		}
		d.cleanups = d.cleanups[:0]
	}
	return tx, err
}

// cleanup is yjs's cleanupTransactions for one transaction, without
// observers: it clears search markers and formatting duplicates as the
// types' observers would, collects garbage and merges structs.
func (d *Doc) cleanup(tx *transaction) error {
	store := d.store
	tx.ds.sortAndMerge()
	tx.afterState = store.stateVector()
	needFormattingCleanup := false
	for _, t := range tx.changedOrder {
		if !tx.changed[t] {
			continue
		}
		if t.item != nil && t.item.deleted {
			continue
		}
		if !tx.local && t.markers != nil {
			t.markers.list = t.markers.list[:0]
		}
		if t.isText() && !tx.local && t.hasFormatting {
			needFormattingCleanup = true
		}
	}
	var err error
	if needFormattingCleanup {
		err = d.cleanupTextAfterTransaction(tx)
	}
	if d.gc {
		d.tryGcDeleteSet(&tx.ds)
	}
	d.tryMergeDeleteSet(&tx.ds)
	for _, client := range store.order {
		clock, ok := tx.afterState[client]
		if !ok {
			continue
		}
		beforeClock := tx.before(client)
		if beforeClock != clock {
			structs := store.clients[client]
			first := max(findIndex(structs, beforeClock), 1)
			for i := len(structs) - 1; i >= first; {
				i -= 1 + store.tryToMergeWithLefts(client, i)
				structs = store.clients[client]
			}
		}
	}
	for i := len(tx.mergeStructs) - 1; i >= 0; i-- {
		id := tx.mergeStructs[i].id
		structs := store.clients[id.Client]
		pos := findIndex(structs, id.Clock)
		if pos < 0 {
			continue
		}
		if pos+1 < len(structs) {
			if store.tryToMergeWithLefts(id.Client, pos+1) > 1 {
				continue
			}
		}
		if pos > 0 {
			store.tryToMergeWithLefts(id.Client, pos)
		}
	}
	if !tx.local && tx.afterState[d.clientID] != tx.before(d.clientID) {
		d.clientID = randomClientID()
	}
	return err
}

// tryToMergeWithLefts merges structs[pos] into its left neighbours while
// they accept it and returns how many structs were removed.
func (s *structStore) tryToMergeWithLefts(client uint64, pos int) int {
	structs := s.clients[client]
	right := structs[pos]
	left := structs[pos-1]
	i := pos
	for ; i > 0; i-- {
		if left.deleted == right.deleted && left.gc == right.gc {
			if left.mergeWith(right) {
				if !right.gc && right.hasParentSub && right.parent != nil && right.parent.m[right.parentSub] == right {
					right.parent.m[right.parentSub] = left
				}
				right = left
				if i-2 >= 0 {
					left = structs[i-2]
				}
				continue
			}
		}
		break
	}
	merged := pos - i
	if merged > 0 {
		structs = slices.Delete(structs, pos+1-merged, pos+1)
		s.clients[client] = structs
	}
	return merged
}

func (d *Doc) tryGcDeleteSet(ds *deleteSet) {
	store := d.store
	for _, client := range ds.order {
		dels := ds.clients[client]
		structs := store.clients[client]
		for di := len(dels) - 1; di >= 0; di-- {
			del := dels[di]
			end := del.Clock + del.Len
			si := findIndex(structs, del.Clock)
			if si < 0 {
				continue
			}
			for ; si < len(structs); si++ {
				it := structs[si]
				if it.id.Clock >= end {
					break
				}
				if !it.gc && it.deleted && !it.keep {
					d.gcItem(it, false)
					structs = store.clients[client]
				}
			}
		}
	}
}

func (d *Doc) tryMergeDeleteSet(ds *deleteSet) {
	store := d.store
	for _, client := range ds.order {
		dels := ds.clients[client]
		for di := len(dels) - 1; di >= 0; di-- {
			del := dels[di]
			structs := store.clients[client]
			if len(structs) == 0 {
				continue
			}
			idx := findIndex(structs, del.Clock+del.Len-1)
			if idx < 0 {
				idx = len(structs) - 1
			}
			si := min(len(structs)-1, 1+idx)
			for si > 0 && store.clients[client][si].id.Clock >= del.Clock {
				si -= 1 + store.tryToMergeWithLefts(client, si)
			}
		}
	}
}

// gcItem is yjs's Item.gc.
func (d *Doc) gcItem(it *item, parentGCd bool) {
	if it.content.ref == yjs.RefType {
		t := it.content.typ
		for c := t.start; c != nil; c = c.right {
			d.gcItem(c, true)
		}
		t.start = nil
		for _, k := range t.keys {
			for c := t.m[k]; c != nil; c = c.left {
				d.gcItem(c, true)
			}
		}
		t.m = nil
		t.keys = nil
	}
	if parentGCd {
		d.store.replace(it, &item{id: it.id, length: it.length, gc: true, deleted: true})
	} else {
		it.content = content{ref: yjs.RefDeleted}
	}
}

// deleteItem is yjs's Item.delete.
func (tx *transaction) deleteItem(it *item) {
	if it.deleted || it.gc {
		return
	}
	parent := it.parent
	if it.countable && !it.hasParentSub && parent != nil {
		parent.length -= int64(it.length)
	}
	it.deleted = true
	tx.ds.add(it.id.Client, it.id.Clock, it.length)
	if parent != nil {
		tx.addChanged(parent)
	}
	if it.content.ref == yjs.RefType {
		t := it.content.typ
		for c := t.start; c != nil; c = c.right {
			if !c.deleted {
				tx.deleteItem(c)
			} else if c.id.Clock < tx.before(c.id.Client) {
				tx.mergeStructs = append(tx.mergeStructs, c)
			}
		}
		for _, k := range t.keys {
			c := t.m[k]
			if c == nil {
				continue
			}
			if !c.deleted {
				tx.deleteItem(c)
			} else if c.id.Clock < tx.before(c.id.Client) {
				tx.mergeStructs = append(tx.mergeStructs, c)
			}
		}
		if tx.changed != nil && tx.changed[t] {
			tx.changed[t] = false
		}
	}
}
