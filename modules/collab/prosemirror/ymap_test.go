package prosemirror_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
)

type yCase struct {
	Doc  json.RawMessage `json:"doc"`
	Tree []any           `json:"tree"`
	JSON any             `json:"json"`
}

// TestYMappingMatchesYProsemirror takes random documents written into a
// Y.XmlFragment by y-prosemirror's prosemirrorJSONToYXmlFragment: Seed
// must write the same fragment (element names, attributes, text deltas),
// and FromY on that fragment must read what yXmlFragmentToProsemirrorJSON
// reads.
func TestYMappingMatchesYProsemirror(t *testing.T) {
	n := caseCount(1000)
	for _, seed := range seeds(t) {
		cases := genCases[yCase](t, "y", seed, n)
		fails := 0
		for i, c := range cases {
			doc, err := prosemirror.ParseJSON(c.Doc)
			if err != nil {
				t.Fatal(err)
			}
			frag := &fakeFrag{}
			if err := prosemirror.Seed(newTx(), frag, doc); err != nil {
				t.Fatal(err)
			}
			gotTree, wantTree := canonAny(generic(dumpTree(frag.children))), canonAny(generic(c.Tree))
			read := canon(t, prosemirror.FromY(fakeFromTree(c.Tree)))
			want := canonAny(generic(c.JSON))
			switch {
			case !jsonEqual(gotTree, wantTree):
				fails++
				if fails <= 5 {
					path, g, w := firstDiff("fragment", gotTree, wantTree)
					t.Errorf("seed %s case %d: Seed wrote another fragment at %s\ndoc:  %s\ngot:  %s\nwant: %s", seed, i, path, c.Doc, mustJSON(g), mustJSON(w))
				}
			case !jsonEqual(read, want):
				fails++
				if fails <= 5 {
					path, g, w := firstDiff("doc", read, want)
					t.Errorf("seed %s case %d: FromY read another document at %s\ngot:  %s\nwant: %s", seed, i, path, mustJSON(g), mustJSON(w))
				}
			}
		}
		if fails > 0 {
			t.Errorf("seed %s: %d of %d cases differ", seed, fails, len(cases))
		} else {
			t.Logf("seed %s: %d documents, same fragments and same reading", seed, len(cases))
		}
	}
}

// TestUnknownNodeIsDeletedByYProsemirror pins down why every editor must
// register the markdownBlock node: y-prosemirror (1.3.7) cannot create a
// node its schema lacks and deletes the element from the shared document.
func TestUnknownNodeIsDeletedByYProsemirror(t *testing.T) {
	requireNode(t)
	out, err := runNodeScript("unknown.mjs")
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Before, After []string }
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Before, ",") != "paragraph,markdownBlock" || strings.Join(r.After, ",") != "paragraph" {
		t.Fatalf("y-prosemirror kept an unknown node: before %v, after %v", r.Before, r.After)
	}
}
