package prosemirror_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
)

func letterSeq(s string) []rune {
	var out []rune
	for _, c := range s {
		if unicode.IsLetter(c) {
			out = append(out, c)
		}
	}
	return out
}

// FuzzParseMarkdown: parsing any text neither panics nor loses a letter
// (the rendering holds every letter of the source in order, entities and
// escapes aside), and the rendering of the rendering's parse is stable in
// letters too.
func FuzzParseMarkdown(f *testing.F) {
	for _, s := range append(append([]string{}, inSet...), outOfSet...) {
		f.Add(s)
	}
	f.Add("- a\n\n  b\n\n* c\n1) d\n2. e")
	f.Add("> # x\n> ```\n> y")
	f.Fuzz(func(t *testing.T, md string) {
		if len(md) > 4096 {
			return
		}
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("no result after 10s for %q", md)) })
		defer watchdog.Stop()
		doc := prosemirror.ParseMarkdown(md)
		out := prosemirror.Markdown(doc)
		if !strings.ContainsAny(md, "&\\") && !isSubsequence(letterSeq(md), letterSeq(out)) {
			t.Fatalf("letters lost\nmd:  %q\nout: %q", md, out)
		}
		again := prosemirror.Markdown(prosemirror.ParseMarkdown(out))
		if !isSubsequence(letterSeq(out), letterSeq(again)) && !strings.ContainsAny(out, "&\\") {
			t.Fatalf("letters lost on the second trip\nout:   %q\nagain: %q", out, again)
		}
	})
}

// FuzzRender: any JSON document renders without a panic.
func FuzzRender(f *testing.F) {
	f.Add(`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"a","marks":[{"type":"bold"},{"type":"code"}]},{"type":"hardBreak"}]}]}`)
	f.Add(`{"type":"doc","content":[{"type":"orderedList","attrs":{"start":"x"},"content":[{"type":"listItem"}]},{"type":"heading","attrs":{"level":99}}]}`)
	f.Add(`{"type":"doc","content":[{"type":"table","content":[{"type":"text","text":"x"}]},{"type":"markdownBlock","attrs":{"source":7}}]}`)
	f.Fuzz(func(t *testing.T, js string) {
		doc, err := prosemirror.ParseJSON([]byte(js))
		if err != nil {
			return
		}
		_ = prosemirror.Markdown(doc)
		_ = prosemirror.RenderOptions{TightLists: true}.Markdown(doc)
	})
}
