package collab

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// keystrokes are n single-character updates typed into one paragraph.
func keystrokes(t *testing.T, n int) [][]byte {
	t.Helper()
	d := ydoc.New(42)
	seed, err := prosemirror.SeedYDoc(d, prosemirror.FragmentName, prosemirror.ParseMarkdown("Typed:"))
	if err != nil {
		t.Fatal(err)
	}
	out := [][]byte{seed}
	text := "Typed:"
	for i := range n {
		text += string(rune('a' + i%26))
		u, err := prosemirror.UpdateYDoc(d, prosemirror.FragmentName, prosemirror.ParseMarkdown(text))
		if err != nil || len(u) == 0 {
			t.Fatalf("keystroke %d: %v", i, err)
		}
		out = append(out, u)
	}
	return out
}

// TestCoalesce: in a backlog, runs of coalesceRun updates or more go out
// as one merged update each, in place; shorter runs and other messages
// keep their order and bytes.
func TestCoalesce(t *testing.T) {
	ups := keystrokes(t, 40) // 41 updates: the seed and 40 keystrokes
	aw := yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 7, Clock: 1, State: []byte(`{"user":"a"}`)}}))
	frames := func(us [][]byte) [][]byte {
		var out [][]byte
		for _, u := range us {
			out = append(out, yprotocol.EncodeUpdate(u))
		}
		return out
	}
	long1, short, long2 := ups[0:20], ups[20:25], ups[25:41]
	var batch [][]byte
	batch = append(batch, frames(long1)...)
	batch = append(batch, aw)
	batch = append(batch, frames(short)...)
	batch = append(batch, yprotocol.EncodeQueryAwareness())
	batch = append(batch, frames(long2)...)

	got := coalesce(append([][]byte(nil), batch...))
	want := [][]byte{nil, aw}
	want = append(want, frames(short)...)
	want = append(want, yprotocol.EncodeQueryAwareness(), nil)
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d (merged run, awareness, 5 updates, query, merged run)", len(got), len(want))
	}
	for i, w := range want {
		switch {
		case w != nil && !bytes.Equal(got[i], w):
			t.Fatalf("message %d was changed or moved", i)
		case w == nil:
			run := long1
			if i > 0 {
				run = long2
			}
			merged, err := yjs.MergeUpdates(run)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[i], yprotocol.EncodeUpdate(merged)) {
				t.Fatalf("message %d is not its run merged", i)
			}
		}
	}

	// A client applying the coalesced messages ends where one applying
	// every update does.
	one, all := ydoc.New(1), ydoc.New(2)
	for _, u := range ups {
		if err := all.ApplyUpdate(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range got {
		if m, err := yprotocol.Decode(f); err == nil && m.Type == yprotocol.MessageSync && m.Sync == yprotocol.SyncUpdate {
			if err := one.ApplyUpdate(m.Payload); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := prosemirror.Markdown(prosemirror.FromYDoc(one, prosemirror.FragmentName))
	b := prosemirror.Markdown(prosemirror.FromYDoc(all, prosemirror.FragmentName))
	if a != b || len(a) != len("Typed:")+40 {
		t.Fatalf("coalesced: %q, one by one: %q", a, b)
	}

	// A short backlog is written as it is.
	short2 := append(frames(short), aw)
	if got := coalesce(append([][]byte(nil), short2...)); len(got) != len(short2) {
		t.Fatal("a backlog shorter than a run changed")
	}
}

// TestCoalescePresence: consecutive presence messages in a backlog go out
// as one, holding for each client what a peer applying them one by one
// ends with; a lone presence message and everything else keep their bytes
// and places.
func TestCoalescePresence(t *testing.T) {
	pres := func(entries ...yprotocol.AwarenessEntry) []byte {
		return yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate(entries))
	}
	st := func(id, clock uint64, s string) yprotocol.AwarenessEntry {
		return yprotocol.AwarenessEntry{ClientID: id, Clock: clock, State: []byte(s)}
	}
	update := yprotocol.EncodeUpdate(keystrokes(t, 1)[1])
	lone := pres(st(9, 4, `{"c":1}`))
	batch := [][]byte{
		pres(st(7, 1, `{"a":1}`)), pres(st(8, 1, `{"b":1}`), st(7, 3, `{"a":3}`)), keepAliveFrame, pres(st(7, 2, `{"a":2}`)),
		update,
		pres(st(8, 2, `{"b":2}`)), pres(st(8, 2, `null`)), pres(st(8, 2, `{"b":"late"}`)), pres(st(8, 1, `{"b":"old"}`)),
		update,
		lone,
	}
	got := coalesce(append([][]byte(nil), batch...))
	want := [][]byte{
		pres(st(7, 3, `{"a":3}`), st(8, 1, `{"b":1}`)),
		update,
		pres(st(8, 2, `null`)),
		update,
		lone,
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("message %d: %x, want %x", i, got[i], want[i])
		}
	}

	// A peer that knew client 8 at clock 2 ends the same either way.
	peerOne, peerAll := applyPresence(nil, batch), applyPresence(nil, got)
	if fmt.Sprint(peerOne) != fmt.Sprint(peerAll) {
		t.Fatalf("one by one: %v, merged: %v", peerOne, peerAll)
	}
	known := map[uint64]peerState{8: {clock: 2, state: `{"b":"before"}`}}
	if a, b := applyPresence(known, batch), applyPresence(known, got); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("one by one: %v, merged: %v", a, b)
	}

	// Keep-alives alone merge into one.
	if got := coalesce([][]byte{keepAliveFrame, keepAliveFrame}); len(got) != 1 || !bytes.Equal(got[0], keepAliveFrame) {
		t.Fatalf("two keep-alives became %x", got)
	}
}

type peerState struct {
	clock uint64
	state string // "" when removed
}

// applyPresence applies the presence messages among frames as y-protocols'
// applyAwarenessUpdate does, to a copy of known.
func applyPresence(known map[uint64]peerState, frames [][]byte) map[uint64]peerState {
	s := map[uint64]peerState{}
	for k, v := range known {
		s[k] = v
	}
	for _, f := range frames {
		m, err := yprotocol.Decode(f)
		if err != nil || m.Type != yprotocol.MessageAwareness {
			continue
		}
		entries, _ := yprotocol.DecodeAwareness(m.Payload)
		for _, e := range entries {
			cur := s[e.ClientID] // clock 0 when unknown
			if !(cur.clock < e.Clock || cur.clock == e.Clock && e.Removed() && cur.state != "") {
				continue
			}
			next := peerState{clock: e.Clock}
			if !e.Removed() {
				next.state = string(e.State)
			}
			s[e.ClientID] = next
		}
	}
	return s
}
