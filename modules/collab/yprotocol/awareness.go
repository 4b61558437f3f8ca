package yprotocol

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// AwarenessEntry is one client's presence in an awareness update.
type AwarenessEntry struct {
	ClientID uint64
	Clock    uint64
	// State is the client's state as JSON text; JSON null means the client
	// left. It points into the decoded update.
	State []byte
}

// Removed reports whether the entry announces that the client left.
func (e AwarenessEntry) Removed() bool {
	return string(bytes.Trim(e.State, " \t\r\n")) == "null"
}

// DecodeAwareness reads an awareness update with DefaultLimits.
func DecodeAwareness(update []byte) ([]AwarenessEntry, error) {
	return DefaultLimits.DecodeAwareness(update)
}

// DecodeAwareness reads an awareness update (the payload of a
// MessageAwareness). Every state must be valid JSON, as peers parse it.
func (l Limits) DecodeAwareness(update []byte) ([]AwarenessEntry, error) {
	l = l.withDefaults()
	if len(update) > l.MaxFrameSize {
		return nil, overLimit("awareness update of %d bytes exceeds %d", len(update), l.MaxFrameSize)
	}
	d := decoder{buf: update}
	n, err := d.readVarUint()
	if err != nil {
		return nil, err
	}
	if n > uint64(l.MaxAwarenessEntries) {
		return nil, overLimit("%d awareness entries exceed %d", n, l.MaxAwarenessEntries)
	}
	// An entry takes at least three bytes.
	if n > uint64(d.remaining())/3 {
		return nil, errTruncated
	}
	entries := make([]AwarenessEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		var e AwarenessEntry
		if e.ClientID, err = d.readVarUint(); err != nil {
			return nil, err
		}
		if e.Clock, err = d.readVarUint(); err != nil {
			return nil, err
		}
		if e.State, err = d.readVarUint8Array(l.MaxAwarenessState); err != nil {
			return nil, err
		}
		// lib0 refuses invalid UTF-8 before JSON.parse sees the text.
		if !utf8.Valid(e.State) || !json.Valid(e.State) {
			return nil, malformed("awareness state of client %d is not JSON", e.ClientID)
		}
		entries = append(entries, e)
	}
	if d.remaining() != 0 {
		return nil, malformed("%d trailing bytes", d.remaining())
	}
	return entries, nil
}

// EncodeAwarenessUpdate writes entries as an awareness update. States must
// be JSON text; an empty State is written as null.
func EncodeAwarenessUpdate(entries []AwarenessEntry) []byte {
	size := 10
	for _, e := range entries {
		size += 20 + len(e.State) + 4
	}
	out := appendVarUint(make([]byte, 0, size), uint64(len(entries)))
	for _, e := range entries {
		out = appendVarUint(out, e.ClientID)
		out = appendVarUint(out, e.Clock)
		state := e.State
		if len(state) == 0 {
			state = []byte("null")
		}
		out = appendVarBytes(out, state)
	}
	return out
}
