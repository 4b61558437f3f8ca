package yjs

import (
	"bytes"
	"cmp"
	"slices"
)

// mergeReader is one input of MergeUpdates. seq breaks ties between readers
// whose current structs share a client and clock (see mergeHeap).
type mergeReader struct {
	structReader
	seq int
}

// maxReplayInputs bounds the inputs for which V8's sort is replayed. Each
// replayed step costs a pass over all inputs, as it does in Yjs; beyond
// this many inputs, hostile ties could make a merge quadratic, so the heap
// order is kept (the merged document is the same, only the choice between
// a GC and an Item for the same range may differ from Yjs).
const maxReplayInputs = 4096

// replayBudget bounds the total work of replayed sorts in one merge (the
// sum of the array lengths sorted), about a quarter second of CPU. Ties
// in real merges are short-lived; input built to keep them alive across a
// long run of steps would otherwise cost inputs × structs.
const replayBudget = 1 << 25

// mergeHeap orders readers by current struct: client descending, clock
// ascending, then seq ascending. Yjs re-sorts its reader array with a stable
// sort before every step, and only the first reader moves between steps; a
// stable sort puts that reader before every reader with an equal key. Giving
// it a fresh, smaller seq each step reproduces exactly that order, in
// O(log n) instead of a sort per step.
type mergeHeap []*mergeReader

func (h mergeHeap) less(i, j int) bool {
	a, b := &h[i].cur, &h[j].cur
	if a.ID.Client != b.ID.Client {
		return a.ID.Client > b.ID.Client
	}
	if a.ID.Clock != b.ID.Clock {
		return a.ID.Clock < b.ID.Clock
	}
	return h[i].seq < h[j].seq
}

func (h mergeHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (h mergeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// MergeUpdates merges V1 updates into one, like Yjs's mergeUpdates, with
// DefaultLimits.
func MergeUpdates(updates [][]byte) ([]byte, error) {
	return DefaultLimits.MergeUpdates(updates)
}

// MergeUpdates merges V1 updates into one, byte-identical to Yjs's
// mergeUpdates: the union of all structs with overlaps removed, gaps filled
// with Skips, and the union of the delete sets. It performs no garbage
// collection. A single update is validated and returned as a copy, as Yjs
// returns it unchanged.
func (l Limits) MergeUpdates(updates [][]byte) ([]byte, error) {
	l = l.withDefaults()
	total := 0
	for _, u := range updates {
		total += len(u)
	}
	if err := l.checkSize(total); err != nil {
		return nil, err
	}
	if len(updates) == 1 {
		if err := validateUpdate(updates[0], &l); err != nil {
			return nil, err
		}
		return bytes.Clone(updates[0]), nil
	}
	out, err := mergeUpdates(updates, &l)
	if err != nil {
		return nil, classify(err, updates...)
	}
	return out, nil
}

func mergeUpdates(updates [][]byte, lim *Limits) ([]byte, error) {
	readers := make([]mergeReader, len(updates))
	h := make(mergeHeap, 0, len(updates))
	var ties tieTracker
	for i, u := range updates {
		r := &readers[i]
		if err := r.init(u, lim, true); err != nil {
			return nil, err
		}
		r.seq = i
		if r.ok {
			h = append(h, r)
			ties.add(&r.cur)
		}
	}
	// h is a heap ordered by (key, seq) while Yjs's comparator is
	// consistent, and holds Yjs's array order verbatim (arrayMode) while
	// it is not.
	arrayMode := false
	budget := replayBudget
	if ties.conflicts > 0 && len(h) <= maxReplayInputs {
		v8Sort(h)
		budget -= len(h)
		arrayMode = true
	} else {
		h.init()
	}
	nextSeq := -1

	var m merger
	m.w.reserve(totalLen(updates))
	defer m.w.release()

	for len(h) > 0 {
		dec := h[0]
		ties.remove(&dec.cur)
		if err := m.step(dec); err != nil {
			return nil, err
		}
		if dec.ok {
			ties.add(&dec.cur)
		}
		// Only the first reader changed; put it where Yjs's sort would.
		switch {
		case ties.conflicts > 0 && len(h) <= maxReplayInputs && budget > 0:
			budget -= len(h)
			if !arrayMode {
				// Yjs's array is the heap order, with dec still first.
				rest := h[1:]
				slices.SortFunc(rest, compareKeySeq)
				arrayMode = true
			}
			if !dec.ok {
				h = h[1:]
			}
			v8Sort(h)
		case arrayMode:
			// Back to a consistent comparator: a stable sort orders by key
			// and then by position in the current array.
			if !dec.ok {
				h = h[1:]
			}
			for i, r := range h {
				r.seq = i
			}
			nextSeq = -1
			h.init()
			arrayMode = false
		default:
			if !dec.ok {
				h[0] = h[len(h)-1]
				h = h[:len(h)-1]
			} else {
				dec.seq = nextSeq
				nextSeq--
			}
			h.down(0)
		}
	}
	if m.haveCW {
		m.w.write(&m.cw, 0)
	}

	// The union of the delete sets, like Yjs's mergeDeleteSets.
	var b dsBuilder
	for i := range readers {
		r := &readers[i]
		if err := b.read(&r.d, lim); err != nil {
			return nil, err
		}
		if r.d.remaining() != 0 {
			return nil, errTrailing
		}
	}
	ds := b.ds
	ds.sortAndMerge()
	out := make([]byte, 0, m.w.size()+deleteSetSize(ds))
	out = m.w.finish(out)
	return appendDeleteSet(out, ds), nil
}

// merger holds the output side of a merge: the writer and the struct
// currently being extended, which is written once the next one is known.
type merger struct {
	w      lazyWriter
	cw     Struct
	haveCW bool
}

// step is one round of Yjs's merge loop on the reader with the highest
// priority.
func (m *merger) step(dec *mergeReader) error {
	w, cw := &m.w, &m.cw
	firstClient := dec.cur.ID.Client
	if m.haveCW {
		curr := &dec.cur
		iterated := false
		// Skip what was already written. Higher clients come first, so a
		// struct of a client at or above the current one that ends before
		// the current struct does is already covered.
		for dec.ok && curr.End() <= cw.End() && curr.ID.Client >= cw.ID.Client {
			if err := dec.next(); err != nil {
				return err
			}
			iterated = true
		}
		if !dec.ok || curr.ID.Client != firstClient || (iterated && curr.ID.Clock > cw.End()) {
			// Another reader may now hold the next struct of this client.
			return nil
		}
		if firstClient != cw.ID.Client {
			w.write(cw, 0)
			*cw = *curr
			if err := dec.next(); err != nil {
				return err
			}
		} else if cw.End() < curr.ID.Clock {
			// A gap: fill it with a Skip.
			if cw.Kind == KindSkip {
				cw.Length = curr.End() - cw.ID.Clock
			} else {
				w.write(cw, 0)
				gap := curr.ID.Clock - cw.End()
				*cw = Struct{Kind: KindSkip, ID: ID{firstClient, cw.End()}, Length: gap}
			}
		} else {
			next := curr
			var sliced Struct
			if diff := cw.End() - curr.ID.Clock; diff > 0 {
				if cw.Kind == KindSkip {
					// Prefer cutting the Skip: the other struct carries data.
					cw.Length -= diff
				} else {
					var err error
					if sliced, err = spliceStruct(curr, diff); err != nil {
						return err
					}
					next = &sliced
				}
			}
			if !mergeWith(cw, next) {
				w.write(cw, 0)
				*cw = *next
				if err := dec.next(); err != nil {
					return err
				}
			}
		}
	} else {
		*cw = dec.cur
		m.haveCW = true
		if err := dec.next(); err != nil {
			return err
		}
	}
	for dec.ok && dec.cur.ID.Client == firstClient && dec.cur.ID.Clock == cw.End() && dec.cur.Kind != KindSkip {
		w.write(cw, 0)
		*cw = dec.cur
		if err := dec.next(); err != nil {
			return err
		}
	}
	return nil
}

// mergeWith glues right onto left where Yjs's mergeWith would during a
// merge of updates. Items never merge there: Yjs compares the left item's
// right neighbour, which decoded items do not have. GCs and Skips absorb
// their own kind.
func mergeWith(left, right *Struct) bool {
	if left.Kind == KindItem || left.Kind != right.Kind {
		return false
	}
	left.Length += right.Length
	return true
}

func totalLen(updates [][]byte) int {
	n := 0
	for _, u := range updates {
		n += len(u)
	}
	return n
}

// deleteSetSize is an upper bound of the encoded size of ds.
func deleteSetSize(ds DeleteSet) int {
	n := 10
	for _, c := range ds.Clients {
		n += 20 + 18*len(c.Ranges)
	}
	return n
}

// compareKeySeq is the heap order as a comparison function.
func compareKeySeq(a, b *mergeReader) int {
	if a.cur.ID.Client != b.cur.ID.Client {
		return cmp.Compare(b.cur.ID.Client, a.cur.ID.Client)
	}
	if a.cur.ID.Clock != b.cur.ID.Clock {
		return cmp.Compare(a.cur.ID.Clock, b.cur.ID.Clock)
	}
	return cmp.Compare(a.seq, b.seq)
}

// tieTracker counts, among the readers' current structs, the positions
// (client and clock) held by both a GC and an Item. While there is none,
// Yjs's comparator is consistent and the heap reproduces its order.
type tieTracker struct {
	kinds     map[ID][2]int
	conflicts int
}

func (t *tieTracker) add(s *Struct) { t.update(s, 1) }

func (t *tieTracker) remove(s *Struct) { t.update(s, -1) }

func (t *tieTracker) update(s *Struct, delta int) {
	if t.kinds == nil {
		t.kinds = make(map[ID][2]int)
	}
	k := 0
	if s.Kind == KindItem {
		k = 1
	}
	c := t.kinds[s.ID]
	before := c[0] > 0 && c[1] > 0
	c[k] += delta
	after := c[0] > 0 && c[1] > 0
	if c[0] == 0 && c[1] == 0 {
		delete(t.kinds, s.ID)
	} else {
		t.kinds[s.ID] = c
	}
	switch {
	case after && !before:
		t.conflicts++
	case before && !after:
		t.conflicts--
	}
}
