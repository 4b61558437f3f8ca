package yprotocol

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncodeKnownFrames(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"step1 empty sv", EncodeSyncStep1([]byte{0}), []byte{0, 0, 1, 0}},
		{"step2 empty update", EncodeSyncStep2([]byte{0, 0}), []byte{0, 1, 2, 0, 0}},
		{"update", EncodeUpdate([]byte{1, 2, 3}), []byte{0, 2, 3, 1, 2, 3}},
		{"awareness", EncodeAwareness([]byte{0}), []byte{1, 1, 0}},
		{"permission denied", EncodePermissionDenied("no"), []byte{2, 0, 2, 'n', 'o'}},
		{"query awareness", EncodeQueryAwareness(), []byte{3}},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s = %x, want %x", tt.name, tt.got, tt.want)
		}
		m, err := Decode(tt.got)
		if err != nil {
			t.Errorf("%s: decode: %v", tt.name, err)
			continue
		}
		if again := m.Encode(); !bytes.Equal(again, tt.want) {
			t.Errorf("%s: re-encoded %x", tt.name, again)
		}
	}
}

func TestDecodeFields(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 300)
	m, err := Decode(EncodeSyncStep2(big))
	if err != nil || m.Type != MessageSync || m.Sync != SyncStep2 || !bytes.Equal(m.Payload, big) {
		t.Errorf("step2 = %+v, %v", m, err)
	}
	m, err = Decode(EncodePermissionDenied("read-only document"))
	if err != nil || m.Type != MessageAuth || m.Reason != "read-only document" {
		t.Errorf("auth = %+v, %v", m, err)
	}
}

func TestModifiesDocument(t *testing.T) {
	for frame, want := range map[string]bool{
		string(EncodeSyncStep1([]byte{0})):     false,
		string(EncodeSyncStep2([]byte{0, 0})):  true,
		string(EncodeUpdate([]byte{0, 0})):     true,
		string(EncodeAwareness([]byte{0})):     false,
		string(EncodeQueryAwareness()):         false,
		string(EncodePermissionDenied("nope")): false,
	} {
		m, err := Decode([]byte(frame))
		if err != nil || m.ModifiesDocument() != want {
			t.Errorf("%x: modifies = %v (%v), want %v", frame, m.ModifiesDocument(), err, want)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrMalformed},
		{"unknown type", []byte{4}, ErrUnknownType},
		{"unknown sync type", []byte{0, 3, 0}, ErrUnknownType},
		{"unknown auth type", []byte{2, 1, 0}, ErrUnknownType},
		{"truncated payload", []byte{0, 2, 5, 1}, ErrMalformed},
		{"missing payload", []byte{0, 0}, ErrMalformed},
		{"trailing bytes", []byte{3, 0}, ErrMalformed},
		{"trailing after sync", []byte{0, 0, 1, 0, 9}, ErrMalformed},
		{"invalid reason", []byte{2, 0, 1, 0xff}, ErrMalformed},
		{"varUint too long", bytes.Repeat([]byte{0x80}, 9), ErrMalformed},
	}
	for _, tt := range tests {
		if _, err := Decode(tt.frame); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	lim := Limits{MaxFrameSize: 8}
	if _, err := lim.Decode(EncodeUpdate(make([]byte, 10))); !errors.Is(err, ErrLimit) {
		t.Errorf("oversized frame: %v", err)
	}
}

func TestAwarenessRoundTrip(t *testing.T) {
	entries := []AwarenessEntry{
		{ClientID: 3_000_000_000, Clock: 7, State: []byte(`{"user":{"name":"Ann","color":"#f00"},"cursor":null}`)},
		{ClientID: 12, Clock: 3, State: []byte("null")},
		{ClientID: 13, Clock: 1},
	}
	update := EncodeAwarenessUpdate(entries)
	got, err := DecodeAwareness(update)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ClientID != 3_000_000_000 || got[0].Clock != 7 || string(got[0].State) != string(entries[0].State) {
		t.Errorf("decoded %+v", got)
	}
	if got[0].Removed() || !got[1].Removed() || !got[2].Removed() {
		t.Errorf("removed flags wrong: %+v", got)
	}
	m, err := Decode(EncodeAwareness(update))
	if err != nil || m.Type != MessageAwareness || !bytes.Equal(m.Payload, update) {
		t.Errorf("framed awareness = %+v, %v", m, err)
	}
}

func TestAwarenessRejects(t *testing.T) {
	tests := []struct {
		name   string
		update []byte
		want   error
	}{
		{"empty", nil, ErrMalformed},
		{"count beyond input", []byte{5, 1, 1, 1, '1'}, ErrMalformed},
		{"not JSON", []byte{1, 1, 1, 1, '{'}, ErrMalformed},
		{"invalid UTF-8", []byte{1, 1, 1, 3, '"', 0xff, '"'}, ErrMalformed},
		{"trailing", []byte{0, 0}, ErrMalformed},
		{"too many entries", []byte{0xff, 0xff, 0x03}, ErrLimit},
	}
	for _, tt := range tests {
		if _, err := DecodeAwareness(tt.update); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	lim := Limits{MaxAwarenessState: 4}
	big := EncodeAwarenessUpdate([]AwarenessEntry{{ClientID: 1, Clock: 1, State: []byte(`"hello"`)}})
	if _, err := lim.DecodeAwareness(big); !errors.Is(err, ErrLimit) {
		t.Errorf("state over limit: %v", err)
	}
}
