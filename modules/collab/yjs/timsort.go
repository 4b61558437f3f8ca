package yjs

// timSort replays V8's TimSort (builtins/array-sort.tq) for arrays of 64 or
// more merge inputs, comparison for comparison, so that inconsistent ties
// resolve as they do in Node. It follows V8's structure: natural runs
// extended to minrun by binary insertion, a stack of pending runs kept
// balanced, and merges that switch to galloping when one side keeps
// winning.
func timSort(a []*mergeReader) {
	ts := timState{a: a, minGallop: minGallopWins}
	n := len(a)
	minRun := minRunLength(n)
	lo, remaining := 0, n
	for remaining != 0 {
		run := countAndMakeRun(a, lo, lo+remaining)
		if run < minRun {
			forced := min(minRun, remaining)
			binaryInsertionSort(a, lo, lo+run, lo+forced)
			run = forced
		}
		ts.runs = append(ts.runs, timRun{lo, run})
		ts.mergeCollapse()
		lo += run
		remaining -= run
	}
	ts.mergeForceCollapse()
}

const minGallopWins = 7

type timRun struct{ base, length int }

type timState struct {
	a         []*mergeReader
	tmp       []*mergeReader
	runs      []timRun
	minGallop int
}

func minRunLength(n int) int {
	r := 0
	for n >= 64 {
		r |= n & 1
		n >>= 1
	}
	return n + r
}

func (ts *timState) invariantHolds(n int) bool {
	if n < 2 {
		return true
	}
	return ts.runs[n-2].length > ts.runs[n-1].length+ts.runs[n].length
}

func (ts *timState) mergeCollapse() {
	for len(ts.runs) > 1 {
		n := len(ts.runs) - 2
		if !ts.invariantHolds(n+1) || !ts.invariantHolds(n) {
			if ts.runs[n-1].length < ts.runs[n+1].length {
				n--
			}
			ts.mergeAt(n)
		} else if ts.runs[n].length <= ts.runs[n+1].length {
			ts.mergeAt(n)
		} else {
			break
		}
	}
}

func (ts *timState) mergeForceCollapse() {
	for len(ts.runs) > 1 {
		n := len(ts.runs) - 2
		if n > 0 && ts.runs[n-1].length < ts.runs[n+1].length {
			n--
		}
		ts.mergeAt(n)
	}
}

func (ts *timState) mergeAt(i int) {
	baseA, lengthA := ts.runs[i].base, ts.runs[i].length
	baseB, lengthB := ts.runs[i+1].base, ts.runs[i+1].length
	ts.runs[i].length = lengthA + lengthB
	if i == len(ts.runs)-3 {
		ts.runs[i+1] = ts.runs[i+2]
	}
	ts.runs = ts.runs[:len(ts.runs)-1]

	k := gallopRight(ts.a, ts.a[baseB], baseA, lengthA, 0)
	baseA += k
	lengthA -= k
	if lengthA == 0 {
		return
	}
	lengthB = gallopLeft(ts.a, ts.a[baseA+lengthA-1], baseB, lengthB, lengthB-1)
	if lengthB == 0 {
		return
	}
	if lengthA <= lengthB {
		ts.mergeLow(baseA, lengthA, baseB, lengthB)
	} else {
		ts.mergeHigh(baseA, lengthA, baseB, lengthB)
	}
}

// gallopLeft returns where key belongs in arr[base:base+length], left of
// any elements that compare equal.
func gallopLeft(arr []*mergeReader, key *mergeReader, base, length, hint int) int {
	lastOfs, offset := 0, 1
	if jsCompare(arr[base+hint], key) < 0 {
		maxOfs := length - hint
		for offset < maxOfs {
			if jsCompare(arr[base+hint+offset], key) >= 0 {
				break
			}
			lastOfs = offset
			offset = offset<<1 + 1
		}
		offset = min(offset, maxOfs)
		lastOfs += hint
		offset += hint
	} else {
		maxOfs := hint + 1
		for offset < maxOfs {
			if jsCompare(arr[base+hint-offset], key) < 0 {
				break
			}
			lastOfs = offset
			offset = offset<<1 + 1
		}
		offset = min(offset, maxOfs)
		lastOfs, offset = hint-offset, hint-lastOfs
	}
	lastOfs++
	for lastOfs < offset {
		m := lastOfs + (offset-lastOfs)>>1
		if jsCompare(arr[base+m], key) < 0 {
			lastOfs = m + 1
		} else {
			offset = m
		}
	}
	return offset
}

// gallopRight is gallopLeft placing key right of equal elements.
func gallopRight(arr []*mergeReader, key *mergeReader, base, length, hint int) int {
	lastOfs, offset := 0, 1
	if jsCompare(key, arr[base+hint]) < 0 {
		maxOfs := hint + 1
		for offset < maxOfs {
			if jsCompare(key, arr[base+hint-offset]) >= 0 {
				break
			}
			lastOfs = offset
			offset = offset<<1 + 1
		}
		offset = min(offset, maxOfs)
		lastOfs, offset = hint-offset, hint-lastOfs
	} else {
		maxOfs := length - hint
		for offset < maxOfs {
			if jsCompare(key, arr[base+hint+offset]) < 0 {
				break
			}
			lastOfs = offset
			offset = offset<<1 + 1
		}
		offset = min(offset, maxOfs)
		lastOfs += hint
		offset += hint
	}
	lastOfs++
	for lastOfs < offset {
		m := lastOfs + (offset-lastOfs)>>1
		if jsCompare(key, arr[base+m]) < 0 {
			offset = m
		} else {
			lastOfs = m + 1
		}
	}
	return offset
}
