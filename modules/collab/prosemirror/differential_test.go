package prosemirror_test

import (
	"encoding/json"
	"testing"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
)

type renderCase struct {
	Doc     json.RawMessage `json:"doc"`
	MD      string          `json:"md"`
	MDTight string          `json:"mdTight"`
}

// TestRenderMatchesProsemirrorMarkdown renders random TipTap documents
// with the Go serializer and with prosemirror-markdown's
// defaultMarkdownSerializer (mapped to TipTap's names) and wants the same
// text, with tightLists off and on.
func TestRenderMatchesProsemirrorMarkdown(t *testing.T) {
	n := caseCount(1500)
	for _, seed := range seeds(t) {
		cases := genCases[renderCase](t, "render", seed, n)
		fails := 0
		for i, c := range cases {
			doc, err := prosemirror.ParseJSON(c.Doc)
			if err != nil {
				t.Fatalf("seed %s case %d: %v", seed, i, err)
			}
			for _, v := range []struct {
				opts prosemirror.RenderOptions
				want string
			}{{prosemirror.RenderOptions{}, c.MD}, {prosemirror.RenderOptions{TightLists: true}, c.MDTight}} {
				if got := v.opts.Markdown(doc); got != v.want {
					fails++
					if fails <= 5 {
						t.Errorf("seed %s case %d (tight lists %v): render differs\ndoc:  %s\ngot:  %q\nwant: %q\nreproduce: (cd %s && node gen.mjs render %s %d | tail -1)",
							seed, i, v.opts.TightLists, c.Doc, got, v.want, nodeDir, seed, i+1)
					}
				}
			}
		}
		if fails > 0 {
			t.Errorf("seed %s: %d of %d renders differ", seed, fails, 2*len(cases))
		} else {
			t.Logf("seed %s: %d documents, both options, identical", seed, len(cases))
		}
	}
}
