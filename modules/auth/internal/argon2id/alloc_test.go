package argon2id

import (
	"runtime"
	"testing"

	"golang.org/x/crypto/argon2"
)

// maxSteadyAllocs is what a warmed-up Key may allocate: the H0 hasher, the
// hasher for a final digest shorter than 64 bytes, and the returned key.
const maxSteadyAllocs = 3

func TestSteadyStateAllocations(t *testing.T) {
	p := Params{Memory: 1024, Time: 1, Threads: 2, KeyLen: 32}
	password, salt := []byte("pw"), []byte("saltsalt")
	var m Memory
	if _, err := m.Key(password, salt, p, nil); err != nil { // warm-up: allocates the work area
		t.Fatal(err)
	}

	allocs := testing.AllocsPerRun(10, func() {
		if _, err := m.Key(password, salt, p, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > maxSteadyAllocs {
		t.Errorf("Key allocates %.0f times per call, want at most %d", allocs, maxSteadyAllocs)
	}

	// The count alone cannot tell a 1 MiB work area from a small hasher,
	// so check the bytes too.
	const runs = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := m.Key(password, salt, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if perCall := (after.TotalAlloc - before.TotalAlloc) / runs; perCall > 4096 {
		t.Errorf("Key allocates %d bytes per call, want a few hundred (work area is %d bytes)", perCall, p.Memory*1024)
	}
}

func BenchmarkKeyOWASP(b *testing.B) {
	password, salt := []byte("correct horse battery staple"), []byte("0123456789abcdef")
	var m Memory
	if _, err := m.Key(password, salt, owasp, nil); err != nil { // allocate outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Key(password, salt, owasp, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXCryptoOWASP(b *testing.B) {
	password, salt := []byte("correct horse battery staple"), []byte("0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		argon2.IDKey(password, salt, owasp.Time, owasp.Memory, owasp.Threads, owasp.KeyLen)
	}
}

// BenchmarkFillBlock measures one compression, and from it the length of
// the CPU burst between two pace calls, which blocksPerPace is tuned for.
func BenchmarkFillBlock(b *testing.B) {
	var dst, x, y block
	for i := range x {
		x[i], y[i] = uint64(i)*0x9e3779b97f4a7c15, ^uint64(i)
	}
	for b.Loop() {
		fillBlock(&dst, &x, &y, true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*blocksPerPace/1e3, "µs/pace")
}
