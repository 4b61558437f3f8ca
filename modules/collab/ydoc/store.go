package ydoc

// structStore keeps every client's structs in clock order, contiguous from
// clock 0, like yjs's StructStore.
type structStore struct {
	clients map[uint64][]*item
	order   []uint64 // clients in the order they were first added (JS Map order)
}

func newStore() *structStore { return &structStore{clients: map[uint64][]*item{}} }

func (s *structStore) state(client uint64) uint64 {
	structs := s.clients[client]
	if len(structs) == 0 {
		return 0
	}
	last := structs[len(structs)-1]
	return last.id.Clock + last.length
}

func (s *structStore) stateVector() map[uint64]uint64 {
	sv := make(map[uint64]uint64, len(s.clients))
	for c := range s.clients {
		sv[c] = s.state(c)
	}
	return sv
}

func (s *structStore) add(it *item) error {
	structs, ok := s.clients[it.id.Client]
	if !ok {
		s.order = append(s.order, it.id.Client)
	} else if last := structs[len(structs)-1]; last.id.Clock+last.length != it.id.Clock {
		return errCorrupt("struct does not continue its client's clock")
	}
	s.clients[it.id.Client] = append(structs, it)
	return nil
}

// findIndex is yjs's findIndexSS: a binary search with a pivot guess.
func findIndex(structs []*item, clock uint64) int {
	if len(structs) == 0 {
		return -1
	}
	left, right := 0, len(structs)-1
	mid := structs[right]
	if mid.id.Clock == clock {
		return right
	}
	midIndex := right
	if span := mid.id.Clock + mid.length - 1; span > 0 {
		midIndex = int(float64(clock) / float64(span) * float64(right))
	}
	for left <= right {
		if midIndex < left || midIndex > right {
			midIndex = (left + right) / 2
		}
		mid = structs[midIndex]
		if mid.id.Clock <= clock {
			if clock < mid.id.Clock+mid.length {
				return midIndex
			}
			left = midIndex + 1
		} else {
			right = midIndex - 1
		}
		midIndex = (left + right) / 2
	}
	return -1
}

func (s *structStore) find(id ID) (*item, error) {
	structs := s.clients[id.Client]
	i := findIndex(structs, id.Clock)
	if i < 0 {
		return nil, errCorrupt("reference to a missing struct")
	}
	return structs[i], nil
}

// findIndexCleanStart finds the struct holding clock and splits it so that
// a struct starts at clock.
func (s *structStore) findIndexCleanStart(tx *transaction, client, clock uint64) (int, error) {
	structs := s.clients[client]
	i := findIndex(structs, clock)
	if i < 0 {
		return -1, errCorrupt("reference to a missing struct")
	}
	it := structs[i]
	if it.id.Clock < clock && !it.gc {
		right := splitItem(tx, it, clock-it.id.Clock)
		s.insertAt(tx, client, i+1, right)
		return i + 1, tx.overBudget()
	}
	return i, nil
}

// insertAt inserts a split-off struct. Moving the structs after it is
// charged to the transaction's work budget: splits in the middle of a long
// client history are what a hostile delete set would multiply.
func (s *structStore) insertAt(tx *transaction, client uint64, i int, it *item) {
	structs := s.clients[client]
	tx.steps += int64(len(structs)-i)/64 + 1
	structs = append(structs, nil)
	copy(structs[i+1:], structs[i:])
	structs[i] = it
	s.clients[client] = structs
}

func (s *structStore) getItemCleanStart(tx *transaction, id ID) (*item, error) {
	i, err := s.findIndexCleanStart(tx, id.Client, id.Clock)
	if err != nil {
		return nil, err
	}
	return s.clients[id.Client][i], nil
}

func (s *structStore) getItemCleanEnd(tx *transaction, id ID) (*item, error) {
	structs := s.clients[id.Client]
	i := findIndex(structs, id.Clock)
	if i < 0 {
		return nil, errCorrupt("reference to a missing struct")
	}
	it := structs[i]
	if id.Clock != it.id.Clock+it.length-1 && !it.gc {
		s.insertAt(tx, id.Client, i+1, splitItem(tx, it, id.Clock-it.id.Clock+1))
	}
	return it, tx.overBudget()
}

func (s *structStore) replace(old, nw *item) {
	structs := s.clients[old.id.Client]
	if i := findIndex(structs, old.id.Clock); i >= 0 {
		structs[i] = nw
	}
}

// iterateStructs calls f for the structs covering [clockStart, clockStart+n),
// splitting at both ends (yjs iterateStructs).
func (s *structStore) iterateStructs(tx *transaction, client, clockStart, n uint64, f func(*item)) error {
	if n == 0 {
		return nil
	}
	clockEnd := clockStart + n
	index, err := s.findIndexCleanStart(tx, client, clockStart)
	if err != nil {
		return err
	}
	for {
		structs := s.clients[client]
		it := structs[index]
		index++
		if clockEnd < it.id.Clock+it.length {
			if _, err := s.findIndexCleanStart(tx, client, clockEnd); err != nil {
				return err
			}
		}
		f(it)
		structs = s.clients[client]
		if index >= len(structs) || structs[index].id.Clock >= clockEnd {
			return nil
		}
	}
}

// splitItem splits left at diff and returns the new right part (yjs
// splitItem); the caller inserts it into the store.
func splitItem(tx *transaction, left *item, diff uint64) *item {
	right := &item{
		id:             ID{Client: left.id.Client, Clock: left.id.Clock + diff},
		length:         left.length - diff,
		hasOrigin:      true,
		origin:         ID{Client: left.id.Client, Clock: left.id.Clock + diff - 1},
		left:           left,
		right:          left.right,
		hasRightOrigin: left.hasRightOrigin,
		rightOrigin:    left.rightOrigin,
		parent:         left.parent,
		parentSub:      left.parentSub,
		hasParentSub:   left.hasParentSub,
	}
	if left.content.wide {
		// counting UTF-16 offsets walks the string: charge it
		tx.steps += int64(len(left.content.str))/8 + 1
	}
	right.content = left.content.splitContent(diff, left.length)
	right.countable = right.content.isCountable()
	if left.deleted {
		right.deleted = true
	}
	if left.keep {
		right.keep = true
	}
	left.right = right
	if right.right != nil {
		right.right.left = right
	}
	tx.mergeStructs = append(tx.mergeStructs, right)
	if right.hasParentSub && right.right == nil && right.parent != nil {
		right.parent.setMap(right.parentSub, right)
	}
	left.length = diff
	return right
}
