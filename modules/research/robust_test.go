package research

import (
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// hostile are bodies a client might send by mistake or on purpose; none may
// cause a 5xx.
var hostile = []string{
	`null`, `[]`, `"text"`, `42`, `{}`, `{"title":null}`, `{"title":["a"]}`, `{"title":"x","tags":null}`,
	`{"title":"x","tags":[null]}`, `{"title":"x","tags":[1]}`, `{"title":"x","tags":"a"}`,
	`{"title":"x","chapter_id":1}`, `{"title":"x","chapter_id":""}`, `{"title":"x","source_url":5}`,
	`{"title":"x","source_url":"http://[::1"}`, `{"title":"x","source_url":"https://a.b/\u0000"}`,
	`{"title":"x","year":1e100}`, `{"title":"x","year":2.5}`, `{"title":"x","year":"1999"}`, `{"title":"x","authors":[null]}`,
	`{"title":"x","authors":"A"}`, `{"title":"x","doi":"10.1234/` + strings.Repeat("a", 500) + `"}`,
	`{"title":"x","isbn":"` + strings.Repeat("9", 100) + `"}`, `{"title":"x","version":-1}`, `{"title":"x","version":99999999999}`,
	`{"title":"\u0000","body":"\u0000","publisher":"\u0000","pages":"\u0000","url":"\u0000"}`,
	`{"title":"\ud800","body":"\udfff"}`, `{"title":"x"} {"title":"y"}`, "\xff\xfe",
}

func TestHostileBodiesNeverFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := e.createNote(t, e.owner.Token, map[string]any{"title": "n"})
	c := e.createCitation(t, map[string]any{"title": "c"})
	routes := []struct{ method, path string }{
		{"POST", e.path(e.project, "notes")},
		{"PUT", e.path(e.project, "notes/"+n.ID.String())},
		{"PATCH", e.path(e.project, "notes/"+n.ID.String())},
		{"POST", e.path(e.project, "citations")},
		{"PUT", e.path(e.project, "citations/"+c.ID.String())},
		{"PATCH", e.path(e.project, "citations/"+c.ID.String())},
	}
	for _, rt := range routes {
		for _, body := range hostile {
			resp := e.c.Do(testkit.Request{Method: rt.method, Path: rt.path, Token: e.owner.Token, Body: body, Header: http.Header{"If-Match": {`"1"`}}})
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s with %q: %d %s", rt.method, rt.path, body, resp.StatusCode, resp.Body)
			}
		}
	}
	for _, q := range []string{"?q=%00", "?q=%27%22%28", "?q=or+or+-", "?q=the", "?tag=%00", "?tag=a&tag=a", "?q=" + strings.Repeat("x+", 99)} {
		if resp := e.c.Get(e.path(e.project, "notes")+q, e.viewer.Token); resp.StatusCode >= 500 {
			t.Errorf("GET notes%s: %d %s", q, resp.StatusCode, resp.Body)
		}
	}
}
