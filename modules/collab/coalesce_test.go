package collab

import (
	"bytes"
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
