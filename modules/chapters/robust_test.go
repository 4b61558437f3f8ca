package chapters

import (
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// hostile are bodies a client might send by mistake or on purpose; none may
// cause a 5xx.
var hostile = []string{
	`null`, `[]`, `"text"`, `42`, `{}`, `{"title":null}`, `{"title":["a"]}`, `{"title":{"a":1}}`,
	`{"title":"x","position":1e100}`, `{"title":"x","position":-0.5}`, `{"title":"x","position":2147483648}`,
	`{"title":"x","version":-1}`, `{"title":"x","version":99999999999}`, `{"version":2147483647,"title":"y"}`,
	`{"title":"\u0000","content":"\u0000","status":"\u0000","body":"\u0000","label":"\u0000"}`,
	`{"title":"\ud800","body":"\udfff x"}`, `{"chapter_ids":null}`, `{"chapter_ids":[null]}`, `{"chapter_ids":[1,2]}`,
	`{"chapter_ids":["00000000-0000-0000-0000-000000000000"]}`, `{"body":"x","parent_id":"00000000-0000-0000-0000-000000000000"}`,
	`{"body":"x","anchor":"str"}`, `{"body":"x","anchor":{"a":"\u0000"}}`, `{"body":"x","anchor":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}`,
	`{"title":"x"} {"title":"y"}`, `{"title":"x",}`, `{"title":"x","title":"y"}`, "\xff\xfe",
}

func TestHostileBodiesNeverFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "text")
	cm := e.comment(ch.ID, e.comm.Token, map[string]any{"body": "c"})
	routes := []struct{ method, path string }{
		{"POST", e.chaptersPath(e.project)},
		{"PUT", e.chapterPath(e.project, ch.ID)},
		{"PATCH", e.chapterPath(e.project, ch.ID)},
		{"POST", e.chaptersPath(e.project) + "/reorder"},
		{"POST", e.chapterPath(e.project, ch.ID) + "/versions"},
		{"POST", e.commentsPath(ch.ID)},
		{"PATCH", e.commentsPath(ch.ID) + "/" + cm.ID.String()},
	}
	for _, rt := range routes {
		for _, body := range hostile {
			resp := e.c.Send(rt.method, rt.path, e.comm.Token, body)
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s with %q as commenter: %d %s", rt.method, rt.path, body, resp.StatusCode, resp.Body)
			}
			resp = e.c.Do(testkit.Request{Method: rt.method, Path: rt.path, Token: e.owner.Token, Body: body, Header: http.Header{"If-Match": {`"1"`}}})
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s with %q as owner: %d %s", rt.method, rt.path, body, resp.StatusCode, resp.Body)
			}
		}
	}
	for _, h := range []string{`"`, `""`, `W/""`, `"-1"`, `"7", "8"`, `"99999999999999999999"`} {
		resp := e.c.Do(testkit.Request{Method: "PATCH", Path: e.chapterPath(e.project, ch.ID), Token: e.owner.Token, Body: `{"title":"z"}`, Header: http.Header{"If-Match": {h}}})
		if resp.StatusCode >= 500 || resp.StatusCode == 200 {
			t.Errorf("If-Match %q: %d %s", h, resp.StatusCode, resp.Body)
		}
	}
}
