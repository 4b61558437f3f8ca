package yjs

import (
	"cmp"
	"slices"
)

// Yjs orders its merge inputs with Array.prototype.sort and a comparator
// that is inconsistent in one case: two inputs whose current structs share
// client and clock but differ in kind (a GC against an Item) each compare
// as smaller when passed first. The resulting order then depends on the
// exact sequence of comparisons V8 makes, so for those steps we replay
// V8's sort instead of using the heap.

// jsCompare is Yjs's comparator for merge inputs (Skips are filtered out
// before, so only GC and Item kinds meet here).
func jsCompare(a, b *mergeReader) int {
	x, y := &a.cur, &b.cur
	if x.ID.Client == y.ID.Client {
		if x.ID.Clock != y.ID.Clock {
			return cmp.Compare(x.ID.Clock, y.ID.Clock)
		}
		if x.Kind == y.Kind {
			return 0
		}
		if x.Kind == KindSkip {
			return 1
		}
		return -1
	}
	return cmp.Compare(y.ID.Client, x.ID.Client)
}

// v8Sort sorts a like V8's Array.prototype.sort with jsCompare. For fewer
// than 64 elements V8's TimSort is a single run: the leading run is found
// (and reversed if strictly descending), then the rest is added by binary
// insertion. Longer arrays go through the run-merging part of TimSort.
func v8Sort(a []*mergeReader) {
	if len(a) < 2 {
		return
	}
	if len(a) >= 64 {
		// The port follows V8 index for index; should an inconsistent
		// comparator ever drive it out of bounds, fall back to a stable
		// sort of the original order rather than failing the merge.
		saved := slices.Clone(a)
		defer func() {
			if recover() != nil {
				copy(a, saved)
				slices.SortStableFunc(a, jsCompareKeys)
			}
		}()
		timSort(a)
		return
	}
	run := countAndMakeRun(a, 0, len(a))
	if run < len(a) {
		binaryInsertionSort(a, 0, run, len(a))
	}
}

// countAndMakeRun returns the length of the run starting at lo: ascending
// (non-decreasing) or strictly descending, the latter reversed in place.
func countAndMakeRun(a []*mergeReader, lo, hi int) int {
	if lo+1 == hi {
		return 1
	}
	n := 2
	descending := jsCompare(a[lo+1], a[lo]) < 0
	prev := a[lo+1]
	for i := lo + 2; i < hi; i++ {
		order := jsCompare(a[i], prev)
		if descending {
			if order >= 0 {
				break
			}
		} else if order < 0 {
			break
		}
		prev = a[i]
		n++
	}
	if descending {
		slices.Reverse(a[lo : lo+n])
	}
	return n
}

// binaryInsertionSort inserts a[start:hi] into the sorted a[lo:start],
// each element after the last one it does not compare below.
func binaryInsertionSort(a []*mergeReader, lo, start, hi int) {
	if lo == start {
		start++
	}
	for ; start < hi; start++ {
		left, right := lo, start
		pivot := a[start]
		for left < right {
			mid := left + (right-left)>>1
			if jsCompare(pivot, a[mid]) < 0 {
				right = mid
			} else {
				left = mid + 1
			}
		}
		copy(a[left+1:start+1], a[left:start])
		a[left] = pivot
	}
}

// jsCompareKeys orders by client descending, then clock ascending.
func jsCompareKeys(a, b *mergeReader) int {
	if a.cur.ID.Client != b.cur.ID.Client {
		return cmp.Compare(b.cur.ID.Client, a.cur.ID.Client)
	}
	return cmp.Compare(a.cur.ID.Clock, b.cur.ID.Clock)
}
