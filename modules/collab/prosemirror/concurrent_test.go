package prosemirror_test

import (
	"testing"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// TestSaveAsUpdateKeepsConcurrentTyping: while an editor types in one
// paragraph, a whole-document save (REST) that changed another paragraph
// and the same paragraph elsewhere is applied as an update computed by
// UpdateYDoc. Once both updates are exchanged, both documents (and yjs)
// hold both changes.
func TestSaveAsUpdateKeepsConcurrentTyping(t *testing.T) {
	requireNode(t)
	base := prosemirror.ParseMarkdown("# Title\n\nFirst paragraph here.\n\nSecond paragraph, typed in.\n\nThird one.")
	seed, err := prosemirror.SeedYDoc(ydoc.New(1), prosemirror.FragmentName, base)
	if err != nil {
		t.Fatal(err)
	}
	editor, server := ydoc.New(10), ydoc.New(20)
	for _, d := range []*ydoc.Doc{editor, server} {
		if err := d.ApplyUpdate(seed); err != nil {
			t.Fatal(err)
		}
	}
	// The editor types " (edited)" at the end of the second paragraph.
	typed, err := editor.Transact(func(tx *ydoc.Tx) error {
		p := editor.XmlFragment(prosemirror.FragmentName).Children()[2].(*ydoc.XmlElement)
		text := p.Children()[0].(*ydoc.XmlText)
		tx.TextInsert(text, text.Len()-1, " (edited)", map[string]any{})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile a save rewrites the first paragraph and the start of the
	// second, from the version before the typing.
	saved := prosemirror.ParseMarkdown("# Title\n\nFirst paragraph, *rewritten*.\n\nThe second paragraph, typed in.\n\nThird one.")
	save, err := prosemirror.UpdateYDoc(server, prosemirror.FragmentName, saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := editor.ApplyUpdate(save); err != nil {
		t.Fatal(err)
	}
	if err := server.ApplyUpdate(typed); err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nFirst paragraph, *rewritten*.\n\nThe second paragraph, typed in (edited).\n\nThird one."
	for name, d := range map[string]*ydoc.Doc{"editor": editor, "server": server} {
		if got := prosemirror.Markdown(prosemirror.FromYDoc(d, prosemirror.FragmentName)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// yjs agrees, whichever update comes first (the same edits again, on
	// the fragment check.mjs reads).
	ed2, sv2 := ydoc.New(10), ydoc.New(20)
	seed2, err := prosemirror.SeedYDoc(ydoc.New(1), "prosemirror", base)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*ydoc.Doc{ed2, sv2} {
		if err := d.ApplyUpdate(seed2); err != nil {
			t.Fatal(err)
		}
	}
	typed2, err := ed2.Transact(func(tx *ydoc.Tx) error {
		p := ed2.XmlFragment("prosemirror").Children()[2].(*ydoc.XmlElement)
		text := p.Children()[0].(*ydoc.XmlText)
		tx.TextInsert(text, text.Len()-1, " (edited)", map[string]any{})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	save2, err := prosemirror.UpdateYDoc(sv2, "prosemirror", saved)
	if err != nil {
		t.Fatal(err)
	}
	got := checkWithYjs(t, [][][]byte{{seed2, save2, typed2}, {seed2, typed2, save2}})
	wantDoc := canon(t, prosemirror.ParseMarkdown(want))
	for i, g := range got {
		if !jsonEqual(canonAny(g), wantDoc) {
			t.Errorf("yjs, order %d: %s\nwant %s", i, mustJSON(canonAny(g)), mustJSON(wantDoc))
		}
	}
}
