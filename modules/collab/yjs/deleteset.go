package yjs

import (
	"cmp"
	"slices"
)

// DeleteRange is a run of deleted clock units of one client.
type DeleteRange struct {
	Clock uint64
	Len   uint64
}

// ClientDeletes holds the deleted ranges of one client.
type ClientDeletes struct {
	Client uint64
	Ranges []DeleteRange
}

// DeleteSet lists deleted ranges per client. Clients appear in the order
// they were first met in the update; Yjs only sorts them when writing.
type DeleteSet struct {
	Clients []ClientDeletes
}

// readDeleteSet reads a V1 delete set like Yjs's readDeleteSet: a client
// with no ranges is left out, and a client listed twice gets the ranges of
// both entries, in order.
func readDeleteSet(d *decoder, lim *Limits) (DeleteSet, error) {
	var b dsBuilder
	err := b.read(d, lim)
	return b.ds, err
}

// dsBuilder accumulates delete sets, one client entry per client in the
// order clients are first met.
type dsBuilder struct {
	ds    DeleteSet
	index map[uint64]int
}

// clientAt returns the position of client in b.ds, adding it if needed.
func (b *dsBuilder) clientAt(client uint64) int {
	if b.index != nil {
		if j, ok := b.index[client]; ok {
			return j
		}
	} else {
		for j := range b.ds.Clients {
			if b.ds.Clients[j].Client == client {
				return j
			}
		}
	}
	at := len(b.ds.Clients)
	b.ds.Clients = append(b.ds.Clients, ClientDeletes{Client: client})
	switch {
	case b.index != nil:
		b.index[client] = at
	case len(b.ds.Clients) > 8:
		b.index = make(map[uint64]int, 2*len(b.ds.Clients))
		for j, c := range b.ds.Clients {
			b.index[c.Client] = j
		}
	}
	return at
}

// read appends one encoded delete set.
func (b *dsBuilder) read(d *decoder, lim *Limits) error {
	n, err := d.readVarUint()
	if err != nil {
		return err
	}
	// Each client entry takes at least two bytes.
	if n > uint64(d.remaining())/2 {
		return errTruncated
	}
	if n > uint64(lim.MaxClients) {
		return overLimit("%d delete set clients exceed %d", n, lim.MaxClients)
	}
	total := 0
	for i := uint64(0); i < n; i++ {
		client, err := d.readVarUint()
		if err != nil {
			return err
		}
		count, err := d.readVarUint()
		if err != nil {
			return err
		}
		if count > uint64(d.remaining())/2 {
			return errTruncated
		}
		if total += int(count); total > lim.MaxDeleteRanges {
			return overLimit("more than %d delete ranges", lim.MaxDeleteRanges)
		}
		if count == 0 {
			continue
		}
		c := &b.ds.Clients[b.clientAt(client)]
		c.Ranges = slices.Grow(c.Ranges, int(min(count, 4096)))
		for j := uint64(0); j < count; j++ {
			clock, err := d.readVarUint()
			if err != nil {
				return err
			}
			length, err := d.readVarUint()
			if err != nil {
				return err
			}
			c.Ranges = append(c.Ranges, DeleteRange{clock, length})
		}
	}
	return nil
}

// skipDeleteSet validates a delete set like readDeleteSet without keeping
// it.
func skipDeleteSet(d *decoder, lim *Limits) error {
	n, err := d.readVarUint()
	if err != nil {
		return err
	}
	if n > uint64(d.remaining())/2 {
		return errTruncated
	}
	if n > uint64(lim.MaxClients) {
		return overLimit("%d delete set clients exceed %d", n, lim.MaxClients)
	}
	total := uint64(0)
	for i := uint64(0); i < n; i++ {
		if _, err := d.readVarUint(); err != nil {
			return err
		}
		count, err := d.readVarUint()
		if err != nil {
			return err
		}
		if count > uint64(d.remaining())/2 {
			return errTruncated
		}
		if total += count; total > uint64(lim.MaxDeleteRanges) {
			return overLimit("more than %d delete ranges", lim.MaxDeleteRanges)
		}
		for j := uint64(0); j < 2*count; j++ {
			if _, err := d.readVarUint(); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendDeleteSet writes ds with clients in descending order, the order
// Yjs's writeDeleteSet uses. Ranges are written as they are.
func appendDeleteSet(dst []byte, ds DeleteSet) []byte {
	clients := ds.Clients
	if !slices.IsSortedFunc(clients, compareClientsDesc) {
		clients = slices.Clone(clients)
		slices.SortStableFunc(clients, compareClientsDesc)
	}
	dst = appendVarUint(dst, uint64(len(clients)))
	for _, c := range clients {
		dst = appendVarUint(dst, c.Client)
		dst = appendVarUint(dst, uint64(len(c.Ranges)))
		for _, r := range c.Ranges {
			dst = appendVarUint(dst, r.Clock)
			dst = appendVarUint(dst, r.Len)
		}
	}
	return dst
}

func compareClientsDesc(a, b ClientDeletes) int { return cmp.Compare(b.Client, a.Client) }

// sortAndMerge finishes a union of delete sets like Yjs's
// sortAndMergeDeleteSet: per client, ranges sorted by clock with
// overlapping and adjacent ranges joined.
func (ds *DeleteSet) sortAndMerge() {
	for i := range ds.Clients {
		ds.Clients[i].Ranges = sortAndMergeRanges(ds.Clients[i].Ranges)
	}
}

// sortAndMergeRanges sorts by clock and joins ranges that overlap or touch.
// The result does not depend on the order of equal clocks, so an unstable
// sort is fine.
func sortAndMergeRanges(rs []DeleteRange) []DeleteRange {
	if len(rs) < 2 {
		return rs
	}
	sortRanges(rs)
	j := 1
	for i := 1; i < len(rs); i++ {
		left := &rs[j-1]
		right := rs[i]
		if left.Clock+left.Len >= right.Clock {
			left.Len = max(left.Len, right.Clock+right.Len-left.Clock)
		} else {
			rs[j] = right
			j++
		}
	}
	return rs[:j]
}

func compareRanges(a, b DeleteRange) int { return cmp.Compare(a.Clock, b.Clock) }

// sortRanges sorts by clock. Merging a large document's delete set with a
// few small ones is the common case, so a sorted prefix followed by a short
// unsorted tail is sorted by sorting the tail and merging the two.
func sortRanges(rs []DeleteRange) {
	prefix := 1
	for prefix < len(rs) && rs[prefix-1].Clock <= rs[prefix].Clock {
		prefix++
	}
	if prefix == len(rs) {
		return
	}
	tail := rs[prefix:]
	if len(tail)*8 > len(rs) {
		slices.SortFunc(rs, compareRanges)
		return
	}
	slices.SortFunc(tail, compareRanges)
	head := slices.Clone(rs[:prefix])
	tail = slices.Clone(tail)
	i, j := 0, 0
	for k := range rs {
		if j >= len(tail) || (i < len(head) && head[i].Clock <= tail[j].Clock) {
			rs[k] = head[i]
			i++
		} else {
			rs[k] = tail[j]
			j++
		}
	}
}
