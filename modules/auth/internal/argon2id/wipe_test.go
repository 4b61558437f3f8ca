package argon2id

import (
	"bytes"
	"errors"
	"testing"
)

// TestWipe: after a big hash and a small one, Wipe zeroes the whole work
// area (beyond what the small hash used), keeps its size, paces like Key,
// and the Memory still hashes correctly afterwards.
func TestWipe(t *testing.T) {
	big := Params{Memory: 3 * blocksPerWipe, Time: 1, Threads: 2, KeyLen: 32}
	small := Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32}
	var m Memory
	for _, p := range []Params{big, small} {
		if _, err := m.Key([]byte("pw"), []byte("saltsalt"), p, nil); err != nil {
			t.Fatal(err)
		}
	}
	size := m.Size()
	if size != big.AreaSize() {
		t.Fatalf("Size() = %d, want the big hash's %d", size, big.AreaSize())
	}

	calls := 0
	m.Wipe(func() error { calls++; return nil })
	if want := 2; calls != want { // 3 chunks: no call after the last
		t.Errorf("pace called %d times, want %d", calls, want)
	}
	if m.Size() != size {
		t.Errorf("Wipe changed the size to %d", m.Size())
	}
	for i, blk := range m.blocks[:cap(m.blocks)] {
		if blk != (block{}) {
			t.Fatalf("block %d not zeroed", i)
		}
	}

	got, err := m.Key([]byte("pw"), []byte("saltsalt"), small, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := reference([]byte("pw"), []byte("saltsalt"), small); !bytes.Equal(got, want) {
		t.Fatalf("after Wipe: got %x, want %x", got, want)
	}
}

// TestWipePaceError: a failing pace hook stops the pacing, not the wiping
// (a request that is gone must not leave password-derived blocks behind).
func TestWipePaceError(t *testing.T) {
	var m Memory
	if _, err := m.Key([]byte("pw"), []byte("saltsalt"), Params{Memory: 3 * blocksPerWipe, Time: 1, Threads: 1, KeyLen: 32}, nil); err != nil {
		t.Fatal(err)
	}
	calls := 0
	m.Wipe(func() error { calls++; return errors.New("request gone") })
	if calls != 1 {
		t.Errorf("pace called %d times after failing, want 1", calls)
	}
	for i, blk := range m.blocks[:cap(m.blocks)] {
		if blk != (block{}) {
			t.Fatalf("block %d not zeroed", i)
		}
	}
	var empty Memory
	empty.Wipe(nil) // nothing to do, must not panic
}

func TestAreaSize(t *testing.T) {
	for _, p := range []Params{owasp, {Memory: 23, Time: 1, Threads: 3, KeyLen: 32}, {Memory: 1001, Time: 2, Threads: 3, KeyLen: 32}} {
		var m Memory
		if _, err := m.Key([]byte("pw"), []byte("saltsalt"), p, nil); err != nil {
			t.Fatal(err)
		}
		if p.AreaSize() != m.Size() {
			t.Errorf("%+v: AreaSize() = %d, but the hash used %d bytes", p, p.AreaSize(), m.Size())
		}
	}
	if n := (Params{Memory: 64}).AreaSize(); n != 0 {
		t.Errorf("AreaSize without lanes = %d, want 0", n)
	}
}

// BenchmarkWipeAfterKey measures what zeroing the OWASP work area costs
// right after a hash, when it is as warm (or cold) as a login leaves it. The
// login path wipes after every hash because this is far below 2 ms
// (docs/perf.md, "Clearing the work area").
func BenchmarkWipeAfterKey(b *testing.B) {
	var m Memory
	password, salt := []byte("correct horse battery staple"), []byte("0123456789abcdef")
	b.SetBytes(int64(owasp.AreaSize()))
	for range b.N {
		b.StopTimer()
		if _, err := m.Key(password, salt, owasp, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		m.Wipe(nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*blocksPerWipe/float64(owasp.AreaSize()/1024)/1e3, "µs/pace")
}
