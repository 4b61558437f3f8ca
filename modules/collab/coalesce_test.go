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

// TestCoalesce: a backlog's runs of updates go out as one merged update
// each, in place; other messages keep their order and bytes; a lone
// update is sent as it was.
func TestCoalesce(t *testing.T) {
	ups := keystrokes(t, 6)
	aw := yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 7, Clock: 1, State: []byte(`{"user":"a"}`)}}))
	frames := func(us ...[]byte) [][]byte {
		var out [][]byte
		for _, u := range us {
			out = append(out, yprotocol.EncodeUpdate(u))
		}
		return out
	}
	batch := append(frames(ups[0], ups[1], ups[2]), aw)
	batch = append(batch, frames(ups[3])...)
	batch = append(batch, yprotocol.EncodeQueryAwareness())
	batch = append(batch, frames(ups[4], ups[5], ups[6])...)
	lone := batch[4]

	got := coalesce(append([][]byte(nil), batch...))
	if len(got) != 5 {
		t.Fatalf("%d messages, want 5 (merged run, awareness, lone update, query, merged run)", len(got))
	}
	if !bytes.Equal(got[1], aw) || !bytes.Equal(got[2], lone) || !bytes.Equal(got[3], yprotocol.EncodeQueryAwareness()) {
		t.Fatal("messages other than runs of updates were changed or moved")
	}
	for i, run := range map[int][][]byte{0: ups[0:3], 4: ups[4:7]} {
		want, err := yjs.MergeUpdates(run)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[i], yprotocol.EncodeUpdate(want)) {
			t.Fatalf("message %d is not the run merged", i)
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
		if m, err := yprotocol.Decode(f); err == nil && m.Sync == yprotocol.SyncUpdate && m.Type == yprotocol.MessageSync {
			if err := one.ApplyUpdate(m.Payload); err != nil {
				t.Fatal(err)
			}
		}
	}
	if a, b := prosemirror.Markdown(prosemirror.FromYDoc(one, prosemirror.FragmentName)), prosemirror.Markdown(prosemirror.FromYDoc(all, prosemirror.FragmentName)); a != b || a != "Typed:abcdef" {
		t.Fatalf("coalesced: %q, one by one: %q", a, b)
	}

	// Nothing to merge: the batch is returned as it is.
	if got := coalesce([][]byte{aw, lone}); len(got) != 2 || !bytes.Equal(got[0], aw) || !bytes.Equal(got[1], lone) {
		t.Fatal("a batch without a run changed")
	}
}
