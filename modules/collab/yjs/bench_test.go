package yjs

import (
	"sync"
	"testing"
)

// The benchmarks mirror the workloads of the research notes (../shared/docs/collab.md §2.9) on synthetic
// updates (see synthKeystrokes): merging 5,000 keystrokes in one call,
// folding 100 updates into a ~500 KB document, the state vector of that
// document, and the diff for a peer missing the last 1,000 updates.

type benchInputs struct {
	keystrokes [][]byte
	doc        []byte
	foldDoc    []byte
	fold       [][]byte
	svMissing  []byte
}

var (
	benchOnce sync.Once
	bench     benchInputs
)

func loadBench(b *testing.B) *benchInputs {
	benchOnce.Do(func() {
		all := synthKeystrokes(60_000, 1)
		must := func(u []byte, err error) []byte {
			if err != nil {
				b.Fatal(err)
			}
			return u
		}
		bench.keystrokes = all[len(all)-5000:]
		bench.doc = must(MergeUpdates(all))
		bench.foldDoc = must(MergeUpdates(all[:len(all)-100]))
		bench.fold = append([][]byte{bench.foldDoc}, all[len(all)-100:]...)
		old := must(MergeUpdates(all[:len(all)-1000]))
		bench.svMissing = must(EncodeStateVectorFromUpdate(old))
	})
	return &bench
}

func BenchmarkMergeKeystrokes5000(b *testing.B) {
	in := loadBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MergeUpdates(in.keystrokes); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMergeFold100(b *testing.B) {
	in := loadBench(b)
	b.ReportMetric(float64(len(in.foldDoc)), "doc-bytes")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MergeUpdates(in.fold); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeStateVectorFromUpdate(b *testing.B) {
	in := loadBench(b)
	b.ReportMetric(float64(len(in.doc)), "doc-bytes")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeStateVectorFromUpdate(in.doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiffMissing1000(b *testing.B) {
	in := loadBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DiffUpdate(in.doc, in.svMissing); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiffFull(b *testing.B) {
	in := loadBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DiffUpdate(in.doc, []byte{0}); err != nil {
			b.Fatal(err)
		}
	}
}
