package prosemirror_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
)

// textblocks lists the paragraphs and headings of a document.
func textblocks(n *prosemirror.Node, out *[]*prosemirror.Node) {
	if n.Type == prosemirror.TypeParagraph || n.Type == prosemirror.TypeHeading {
		*out = append(*out, n)
	}
	for _, c := range n.Content {
		textblocks(c, out)
	}
}

var editWords = []string{"x", "hello ", "😀", "é", "**", " ", "new words here", "中文"}

// randomEdit changes a document the way an editor or a REST save might.
func randomEdit(r *rand.Rand, doc *prosemirror.Node) {
	var tbs []*prosemirror.Node
	textblocks(doc, &tbs)
	switch k := r.IntN(10); {
	case k < 4 && len(tbs) > 0: // type or delete inside a text node
		tb := tbs[r.IntN(len(tbs))]
		if len(tb.Content) == 0 || !tb.Content[0].IsText() {
			tb.Content = append([]*prosemirror.Node{{Type: "text", Text: editWords[r.IntN(len(editWords))]}}, tb.Content...)
			return
		}
		t := tb.Content[r.IntN(len(tb.Content))]
		if !t.IsText() {
			return
		}
		rs := []rune(t.Text)
		at := r.IntN(len(rs) + 1)
		if r.IntN(2) == 0 || len(rs) < 2 {
			t.Text = string(rs[:at]) + editWords[r.IntN(len(editWords))] + string(rs[at:])
		} else {
			end := at + r.IntN(len(rs)-at+1)
			if rest := string(rs[:at]) + string(rs[end:]); rest != "" {
				t.Text = rest
			}
		}
	case k < 5 && len(tbs) > 0: // toggle a mark
		tb := tbs[r.IntN(len(tbs))]
		for _, t := range tb.Content {
			if t.IsText() && r.IntN(2) == 0 {
				if len(t.Marks) > 0 {
					t.Marks = t.Marks[1:]
				} else {
					t.Marks = []prosemirror.Mark{{Type: prosemirror.MarkBold}}
				}
			}
		}
	case k < 6: // insert a paragraph
		at := r.IntN(len(doc.Content) + 1)
		p := &prosemirror.Node{Type: "paragraph", Content: []*prosemirror.Node{{Type: "text", Text: "inserted " + editWords[r.IntN(len(editWords))]}}}
		doc.Content = append(doc.Content[:at], append([]*prosemirror.Node{p}, doc.Content[at:]...)...)
	case k < 7 && len(doc.Content) > 1: // delete a block
		at := r.IntN(len(doc.Content))
		doc.Content = append(doc.Content[:at], doc.Content[at+1:]...)
	case k < 8 && len(doc.Content) > 1: // move a block
		i, j := r.IntN(len(doc.Content)), r.IntN(len(doc.Content))
		doc.Content[i], doc.Content[j] = doc.Content[j], doc.Content[i]
	case k < 9: // change an attribute
		for _, b := range doc.Content {
			switch b.Type {
			case "heading":
				b.Attrs["level"] = float64(1 + r.IntN(6))
				return
			case "orderedList":
				b.Attrs["start"] = float64(1 + r.IntN(20))
				return
			case "codeBlock":
				b.Attrs["language"] = "go"
				return
			}
		}
	default: // a heading becomes a paragraph
		for _, b := range doc.Content {
			if b.Type == "heading" {
				b.Type, b.Attrs = "paragraph", nil
				return
			}
		}
	}
}

// TestUpdateReachesTheNewDocument seeds a fragment with one document,
// updates it to an edited copy and wants the fragment to read as the
// copy, and to be laid out as seeding the copy would lay it out.
func TestUpdateReachesTheNewDocument(t *testing.T) {
	rot := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("PM_UPDATE_SEED"), 10, 64); err == nil {
		rot = s
	}
	t.Logf("fixed seed 1, rotating seed %d (PM_UPDATE_SEED)", rot)
	for _, seed := range []uint64{1, rot} {
		r := rand.New(rand.NewPCG(seed, 7))
		for i := 0; i < caseCount(1500) && !t.Failed(); i++ {
			md, _ := randomMarkdown(r)
			old := prosemirror.ParseMarkdown(md)
			next := old.Clone()
			for e := r.IntN(4); e >= 0; e-- {
				randomEdit(r, next)
			}
			frag := &fakeFrag{}
			if err := prosemirror.Seed(newTx(), frag, old); err != nil {
				t.Fatal(err)
			}
			if err := prosemirror.Update(newTx(), frag, next); err != nil {
				t.Fatal(err)
			}
			if got, want := canon(t, prosemirror.FromY(frag)), canon(t, prosemirror.Normalize(next)); !jsonEqual(got, want) {
				path, g, w := firstDiff("doc", got, want)
				t.Errorf("seed %d case %d: updated fragment reads differently at %s\ngot:  %s\nwant: %s", seed, i, path, mustJSON(g), mustJSON(w))
				continue
			}
			fresh := &fakeFrag{}
			if err := prosemirror.Seed(newTx(), fresh, next); err != nil {
				t.Fatal(err)
			}
			if got, want := generic(dumpTree(frag.children)), generic(dumpTree(fresh.children)); !jsonEqual(got, want) {
				path, g, w := firstDiff("fragment", got, want)
				t.Errorf("seed %d case %d: updated fragment laid out differently at %s\ngot:  %s\nwant: %s", seed, i, path, mustJSON(g), mustJSON(w))
			}
		}
	}
}

// TestUpdateIsMinimal: small changes to a large document are small edits.
func TestUpdateIsMinimal(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 200; i++ {
		b.WriteString("## Section " + strconv.Itoa(i) + "\n\nSome *text* of paragraph " + strconv.Itoa(i) + " with **bold** words.\n\n")
	}
	base := prosemirror.ParseMarkdown(b.String())
	seeded := func() *fakeFrag {
		f := &fakeFrag{}
		if err := prosemirror.Seed(newTx(), f, base); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, c := range []struct {
		name string
		edit func(d *prosemirror.Node)
		ops  map[string]int
		ins  int
		del  int
	}{
		{"unchanged", func(*prosemirror.Node) {}, map[string]int{}, 0, 0},
		{"one character typed", func(d *prosemirror.Node) {
			p := d.Content[201].Content[0]
			p.Text += "!"
		}, map[string]int{"TextInsert": 1}, 1, 0},
		{"a word replaced", func(d *prosemirror.Node) {
			p := d.Content[301].Content[2]
			p.Text = strings.Replace(p.Text, "paragraph", "section", 1)
		}, map[string]int{"TextDelete": 1, "TextInsert": 1}, 7, 9},
		{"a word made bold", func(d *prosemirror.Node) {
			// "Some *text* of…" → "**Some** *text* of…"
			p := d.Content[11]
			p.Content = append([]*prosemirror.Node{
				{Type: "text", Text: "Some", Marks: []prosemirror.Mark{{Type: "bold"}}},
				{Type: "text", Text: " "},
			}, p.Content[1:]...)
		}, map[string]int{"TextFormat": 1}, 0, 0},
		{"a paragraph deleted", func(d *prosemirror.Node) {
			d.Content = append(d.Content[:51], d.Content[52:]...)
		}, map[string]int{"Delete": 1}, 0, 0},
		{"a heading level changed", func(d *prosemirror.Node) {
			d.Content[100].Attrs["level"] = 3
		}, map[string]int{"SetAttribute": 1}, 0, 0},
		{"a paragraph inserted near the start and a word replaced near the end", func(d *prosemirror.Node) {
			p := &prosemirror.Node{Type: "paragraph", Content: []*prosemirror.Node{{Type: "text", Text: "new"}}}
			d.Content = append(d.Content[:7], append([]*prosemirror.Node{p}, d.Content[7:]...)...)
			t := d.Content[392].Content[2] // a paragraph (one more block before it now)
			t.Text = strings.Replace(t.Text, "paragraph", "section", 1)
		}, map[string]int{"InsertElement": 1, "InsertText": 1, "TextInsert": 2, "TextDelete": 1}, 3 + 7, 9},
		{"a paragraph inserted", func(d *prosemirror.Node) {
			p := &prosemirror.Node{Type: "paragraph", Content: []*prosemirror.Node{{Type: "text", Text: "new"}}}
			d.Content = append(d.Content[:7], append([]*prosemirror.Node{p}, d.Content[7:]...)...)
		}, map[string]int{"InsertElement": 1, "InsertText": 1, "TextInsert": 1}, 3, 0},
	} {
		next := base.Clone()
		c.edit(next)
		f := seeded()
		tx := newTx()
		if err := prosemirror.Update(tx, f, next); err != nil {
			t.Fatal(err)
		}
		if got, want := canon(t, prosemirror.FromY(f)), canon(t, next); !jsonEqual(got, want) {
			path, g, w := firstDiff("doc", got, want)
			t.Errorf("%s: reads differently at %s: %s, want %s", c.name, path, mustJSON(g), mustJSON(w))
		}
		if !jsonEqual(generic(tx.ops), generic(c.ops)) || tx.inserted != c.ins || tx.deleted != c.del {
			t.Errorf("%s: edits %v (+%d -%d units), want %v (+%d -%d)", c.name, tx.ops, tx.inserted, tx.deleted, c.ops, c.ins, c.del)
		}
	}
}
