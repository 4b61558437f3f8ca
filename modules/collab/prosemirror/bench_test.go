package prosemirror_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// bigMarkdown is about n bytes of chapter-like Markdown from the round
// trip fragments (a third of them outside the set).
func bigMarkdown(n int) string {
	r := rand.New(rand.NewPCG(42, 42))
	var b strings.Builder
	for b.Len() < n {
		md, _ := randomMarkdown(r)
		b.WriteString(md)
		b.WriteString("\n\nA paragraph of ordinary prose, with *some* emphasis and a [link](https://example.com), long enough to look like a book.\n\n")
	}
	return b.String()
}

func BenchmarkParseMarkdown500KB(b *testing.B) {
	md := bigMarkdown(500 << 10)
	b.SetBytes(int64(len(md)))
	for b.Loop() {
		prosemirror.ParseMarkdown(md)
	}
}

func BenchmarkRenderMarkdown500KB(b *testing.B) {
	doc := prosemirror.ParseMarkdown(bigMarkdown(500 << 10))
	b.SetBytes(int64(len(prosemirror.Markdown(doc))))
	for b.Loop() {
		prosemirror.Markdown(doc)
	}
}

// BenchmarkUpdateYDocOneCharacter500KB: a save that changes one character
// of a 500 KB chapter, as an update on the Go Y.Doc (the document is
// re-seeded outside the timer for each round).
func BenchmarkUpdateYDocOneCharacter500KB(b *testing.B) {
	doc := prosemirror.ParseMarkdown(bigMarkdown(500 << 10))
	next := doc.Clone()
	for _, n := range next.Content {
		if n.Type == "paragraph" && len(n.Content) > 0 && n.Content[0].IsText() {
			n.Content[0].Text += "!"
			break
		}
	}
	seeded, err := seedUpdate(doc)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		d := ydoc.New(2)
		if err := d.ApplyUpdate(seeded); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		u, err := prosemirror.UpdateYDoc(d, prosemirror.FragmentName, next)
		if err != nil || len(u) == 0 {
			b.Fatal(err, len(u))
		}
	}
}

func BenchmarkFromYDoc500KB(b *testing.B) {
	seeded, err := seedUpdate(prosemirror.ParseMarkdown(bigMarkdown(500 << 10)))
	if err != nil {
		b.Fatal(err)
	}
	d := ydoc.New(2)
	if err := d.ApplyUpdate(seeded); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		prosemirror.FromYDoc(d, prosemirror.FragmentName)
	}
}

func seedUpdate(doc *prosemirror.Node) ([]byte, error) {
	return prosemirror.SeedYDoc(ydoc.New(1), prosemirror.FragmentName, doc)
}
