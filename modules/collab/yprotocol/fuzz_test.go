package yprotocol

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func FuzzDecode(f *testing.F) {
	f.Add(EncodeSyncStep1([]byte{0}))
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := Decode(frame)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		// Accepted frames are canonical except for non-minimal varUints,
		// so re-encoding must decode to the same message.
		m2, err := Decode(m.Encode())
		if err != nil || m2.Type != m.Type || m2.Sync != m.Sync || m2.Reason != m.Reason || !bytes.Equal(m2.Payload, m.Payload) {
			t.Fatalf("round trip: %+v vs %+v (%v)", m2, m, err)
		}
	})
}

func FuzzDecodeAwareness(f *testing.F) {
	f.Add([]byte{1, 1, 1, 4, 'n', 'u', 'l', 'l'})
	f.Fuzz(func(t *testing.T, update []byte) {
		entries, err := DecodeAwareness(update)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		again, err := DecodeAwareness(EncodeAwarenessUpdate(entries))
		if err != nil || len(again) != len(entries) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range entries {
			if again[i].ClientID != entries[i].ClientID || again[i].Clock != entries[i].Clock || !bytes.Equal(again[i].State, entries[i].State) {
				t.Fatalf("entry %d changed", i)
			}
		}
	})
}

// TestWriteFuzzSeeds checks that testdata/fuzz holds the seed corpora;
// with YPROTOCOL_WRITE_FUZZ_SEEDS=1 it writes them instead.
func TestWriteFuzzSeeds(t *testing.T) {
	writing := os.Getenv("YPROTOCOL_WRITE_FUZZ_SEEDS") != ""
	aw := EncodeAwarenessUpdate([]AwarenessEntry{
		{ClientID: 3_000_000_000, Clock: 7, State: []byte(`{"user":{"name":"Ann"},"cursor":{"anchor":1}}`)},
		{ClientID: 12, Clock: 3, State: []byte("null")},
	})
	frames := [][]byte{
		EncodeSyncStep1([]byte{0}),
		EncodeSyncStep1([]byte{2, 0xe9, 0x07, 5, 0x81, 0x80, 0x80, 0x80, 0x08, 3}),
		EncodeSyncStep2([]byte{0, 0}),
		EncodeUpdate([]byte{1, 1, 0xe9, 0x07, 0, 4, 1, 1, 't', 2, 'h', 'i', 0}),
		EncodeAwareness(aw),
		EncodePermissionDenied("read-only"),
		EncodeQueryAwareness(),
	}
	write := func(target string, i int, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		path := filepath.Join(dir, fmt.Sprintf("seed%03d", i))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if !writing {
			if got, err := os.ReadFile(path); err != nil || string(got) != body {
				t.Errorf("%s is missing or stale: run YPROTOCOL_WRITE_FUZZ_SEEDS=1 go test -run WriteFuzzSeeds", path)
			}
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, fr := range frames {
		write("FuzzDecode", i, fr)
	}
	write("FuzzDecodeAwareness", 0, aw)
	write("FuzzDecodeAwareness", 1, EncodeAwarenessUpdate(nil))
}
