package argon2id

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestPaceCallCount(t *testing.T) {
	tests := []Params{
		{Memory: 1024, Time: 3, Threads: 2, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 1, KeyLen: 32},
		{Memory: 200, Time: 1, Threads: 1, KeyLen: 32}, // fewer blocks than one interval
		// t*m' - 2p is a multiple of blocksPerPace: the last call falls after
		// the last block.
		{Memory: 512, Time: 1, Threads: 128, KeyLen: 32},
	}
	for _, p := range tests {
		g := p.layout()
		filled := int(p.Time*g.blocks - 2*g.lanes) // seed blocks are not filled
		want := filled / blocksPerPace

		calls := 0
		var m Memory
		got, err := m.Key([]byte("pw"), []byte("saltsalt"), p, func() error {
			calls++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != want {
			t.Errorf("%+v: pace called %d times, want %d (%d blocks / %d)", p, calls, want, filled, blocksPerPace)
		}
		if ref := reference([]byte("pw"), []byte("saltsalt"), p); !bytes.Equal(got, ref) {
			t.Errorf("%+v: pacing changed the output", p)
		}
	}
}

// TestPaceAbort cancels a hash midway, the way a login handler does when
// its request goes away, and checks the Memory still works afterwards.
func TestPaceAbort(t *testing.T) {
	p := Params{Memory: 2048, Time: 2, Threads: 2, KeyLen: 32}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	calls := 0
	var m Memory
	key, err := m.Key([]byte("pw"), []byte("saltsalt"), p, func() error {
		calls++
		if calls == 3 {
			cancel()
		}
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if key != nil {
		t.Fatalf("key = %x, want nil after an abort", key)
	}
	if calls != 3 {
		t.Fatalf("pace called %d times, want Key to stop at the failing 3rd call", calls)
	}

	// The half-filled work area must not leak into the next hash.
	got, err := m.Key([]byte("pw"), []byte("saltsalt"), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := reference([]byte("pw"), []byte("saltsalt"), p); !bytes.Equal(got, want) {
		t.Fatalf("after abort: got %x, want %x", got, want)
	}
}

// TestPaceErrorUnchanged checks Key returns pace's error itself, so callers
// can match their own sentinels.
func TestPaceErrorUnchanged(t *testing.T) {
	errStop := errors.New("stop")
	var m Memory
	_, err := m.Key([]byte("pw"), []byte("saltsalt"), Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32}, func() error {
		return errStop
	})
	if err != errStop { // the identical value, not merely errors.Is
		t.Fatalf("err = %v, want pace's error unchanged", err)
	}
}
