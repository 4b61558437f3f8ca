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

type parseCase struct {
	MD  string `json:"md"`
	Doc any    `json:"doc"`
}

// TestParseMatchesProsemirrorMarkdown parses Markdown in the shared subset
// (no HTML, images or reference definitions) with the Go parser and with
// prosemirror-markdown's defaultMarkdownParser (markdown-it with GFM
// strikethrough, mapped to TipTap's names) and wants the same document.
// goldmark and markdown-it are two readings of CommonMark that still part
// on rare inputs (about one text in 40,000 of the generator's; those found
// are listed in the README): on the fixed seed a difference fails, on the
// rotating seed it is reported for a look and to extend the list, so that
// a new divergence of the two parsers does not fail a build. What is ours
// alone (rendering, the round trip, the Y.js mapping) fails on every seed.
func TestParseMatchesProsemirrorMarkdown(t *testing.T) {
	n := caseCount(1500)
	for si, seed := range seeds(t) {
		report := t.Errorf
		if si > 0 {
			report = t.Logf
		}
		cases := genCases[parseCase](t, "parse", seed, n)
		fails, filled := 0, 0
		for i, c := range cases {
			got := startZeroAsOne(canon(t, prosemirror.ParseMarkdown(c.MD)))
			want := canonAny(c.Doc)
			if verbatimForFilled(got, want) {
				filled++
				continue
			}
			if !jsonEqual(got, want) {
				fails++
				if fails <= 5 {
					path, g, w := firstDiff("doc", got, want)
					report("seed %s case %d: parse differs at %s\nmd:   %q\ngot:  %s\nwant: %s", seed, i, path, c.MD, mustJSON(g), mustJSON(w))
				}
			}
		}
		if fails > 0 {
			report("seed %s: %d of %d parses differ from markdown-it's", seed, fails, len(cases))
		} else {
			t.Logf("seed %s: %d Markdown texts, identical documents (%d kept verbatim on purpose: a list item not starting with a paragraph, a heading with a hard break)", seed, len(cases), filled)
		}
	}
}

// verbatimForFilled reports whether two parses differ only where the Go
// parser kept a top-level block verbatim on purpose: a list item in it
// does not start with a paragraph (TipTap's listItem is "paragraph
// block*"), where prosemirror-markdown's parser fills in an empty
// paragraph (createAndFill; Markdown has no empty paragraphs, so an empty
// first paragraph followed by more blocks is always such a fill), or a
// setext heading holds a hard break (no ATX heading can).
func verbatimForFilled(got, want any) bool {
	g, _ := got.(map[string]any)["content"].([]any)
	w, _ := want.(map[string]any)["content"].([]any)
	if len(g) != len(w) {
		return false
	}
	seen := false
	for i := range g {
		if jsonEqual(g[i], w[i]) {
			continue
		}
		if g[i].(map[string]any)["type"] != "markdownBlock" || !hasFilledItem(w[i]) && !headingWithBreak(w[i]) {
			return false
		}
		seen = true
	}
	return seen
}

func hasFilledItem(n any) bool {
	m, ok := n.(map[string]any)
	if !ok {
		return false
	}
	content, _ := m["content"].([]any)
	if m["type"] == "listItem" && len(content) >= 2 {
		first := content[0].(map[string]any)
		if first["type"] == "paragraph" && first["content"] == nil {
			return true
		}
	}
	for _, c := range content {
		if hasFilledItem(c) {
			return true
		}
	}
	return false
}

func headingWithBreak(n any) bool {
	m, ok := n.(map[string]any)
	if !ok || m["type"] != "heading" {
		return false
	}
	content, _ := m["content"].([]any)
	for _, c := range content {
		if c.(map[string]any)["type"] == "hardBreak" {
			return true
		}
	}
	return false
}

// startZeroAsOne applies prosemirror-markdown's "+start || 1" to an
// ordered list the Go parser read as starting at 0 (it keeps the 0; see
// the README), which text like "0)" at the start of a block produces.
func startZeroAsOne(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v["type"] == "orderedList" {
			if a, ok := v["attrs"].(map[string]any); ok && a["start"] == float64(0) {
				a["start"] = float64(1)
			}
		}
		for _, x := range v {
			startZeroAsOne(x)
		}
	case []any:
		for _, x := range v {
			startZeroAsOne(x)
		}
	}
	return v
}
