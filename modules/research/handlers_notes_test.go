package research

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/testkit"
)

func titles(ns []noteResponse) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Title
	}
	return out
}

func TestNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.newChapter(t, e.project)
	n := e.createNote(t, e.editor.Token, map[string]any{
		"title": " Lighthouse keepers ", "body": "Keepers lived on the rock for months.",
		"tags": []string{" History ", "sea", "history"}, "source_url": "https://example.org/lighthouses", "chapter_id": ch,
	})
	want := noteResponse{
		ID: n.ID, ProjectID: e.project, ChapterID: &ch, AuthorID: &e.editor.ID, Title: "Lighthouse keepers",
		Body: "Keepers lived on the rock for months.", Tags: []string{"history", "sea"},
		SourceURL: new("https://example.org/lighthouses"), Version: 1,
	}
	if d := cmp.Diff(want, n, cmpopts.IgnoreFields(noteResponse{}, "CreatedAt", "UpdatedAt")); d != "" {
		t.Fatalf("created (-want +got):\n%s", d)
	}
	e.createNote(t, e.owner.Token, map[string]any{"title": "Storms", "body": "Winter storms battered the lighthouse keepers' cottage.", "tags": []string{"sea", "weather"}})
	e.createNote(t, e.owner.Token, map[string]any{"title": "Recipes", "body": "Fish stew.", "tags": []string{"food"}})

	// Newest change first; tags filter all-of.
	if got := titles(e.listNotes(t, "")); !slices.Equal(got, []string{"Recipes", "Storms", "Lighthouse keepers"}) {
		t.Fatalf("list = %v", got)
	}
	if got := titles(e.listNotes(t, "?tag=sea")); !slices.Equal(got, []string{"Storms", "Lighthouse keepers"}) {
		t.Fatalf("tag=sea: %v", got)
	}
	if got := titles(e.listNotes(t, "?tag=SEA&tag=history")); !slices.Equal(got, []string{"Lighthouse keepers"}) {
		t.Fatalf("tag=sea&tag=history: %v", got)
	}
	// Search ranks title matches above body matches and stems words.
	res := e.listNotes(t, "?q=lighthouse+keeper")
	if got := titles(res); !slices.Equal(got, []string{"Lighthouse keepers", "Storms"}) || res[0].Rank == nil || *res[0].Rank <= *res[1].Rank {
		t.Fatalf("search = %v", got)
	}
	if got := titles(e.listNotes(t, "?q="+url.QueryEscape(`"fish stew" -cake`))); !slices.Equal(got, []string{"Recipes"}) {
		t.Fatalf("phrase search = %v", got)
	}
	if got := titles(e.listNotes(t, "?q=keepers&tag=weather")); !slices.Equal(got, []string{"Storms"}) {
		t.Fatalf("search with tag = %v", got)
	}

	// PATCH with a stale version changes nothing; with the ETag it applies.
	path := e.path(e.project, "notes/"+n.ID.String())
	testkit.WantProblem(t, e.c.Do(testkit.Request{Method: "PATCH", Path: path, Token: e.editor.Token, Header: http.Header{"If-Match": {`"9"`}}, Body: map[string]any{"title": "x"}}), 412, "stale-version")
	resp := e.c.Do(testkit.Request{Method: "PATCH", Path: path, Token: e.editor.Token, Header: http.Header{"If-Match": {`"1"`}},
		Body: map[string]any{"tags": []string{"archive"}, "chapter_id": nil}})
	testkit.WantStatus(t, resp, http.StatusOK)
	var got noteResponse
	resp.JSON(t, &got)
	if got.Title != "Lighthouse keepers" || !slices.Equal(got.Tags, []string{"archive"}) || got.ChapterID != nil || got.SourceURL == nil || got.Version != 2 || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("patched = %+v", got)
	}
	// PUT replaces: absent fields are cleared.
	resp = e.c.Send(http.MethodPut, path, e.owner.Token, map[string]any{"title": "Only a title", "version": 2})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if got.Body != "" || len(got.Tags) != 0 || got.SourceURL != nil || got.Version != 3 {
		t.Fatalf("put = %+v", got)
	}
	// Delete to trash, restore.
	testkit.WantProblem(t, e.c.Do(testkit.Request{Method: "DELETE", Path: path, Token: e.editor.Token, Header: http.Header{"If-Match": {`"1"`}}}), 412, "stale-version")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, path, e.editor.Token, nil), http.StatusNoContent)
	testkit.WantProblem(t, e.c.Get(path, e.owner.Token), 404, "not-found")
	if got := titles(e.listNotes(t, "")); slices.Contains(got, "Only a title") {
		t.Fatalf("trashed note listed: %v", got)
	}
	testkit.WantStatus(t, e.c.Send(http.MethodPost, path+"/restore", e.editor.Token, nil), http.StatusOK)
	testkit.WantStatus(t, e.c.Get(path, e.viewer.Token), http.StatusOK)
	testkit.WantProblem(t, e.c.Send(http.MethodPost, path+"/restore", e.editor.Token, nil), 404, "not-found")
}

func TestNotesPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, title := range []string{"a", "b", "c", "d", "e"} {
		e.createNote(t, e.owner.Token, map[string]any{"title": title, "tags": []string{"t"}})
	}
	for _, q := range []string{"", "&tag=t"} {
		var got []string
		cursor := ""
		for {
			path := e.path(e.project, "notes") + "?limit=2" + q
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			resp := e.c.Get(path, e.viewer.Token)
			testkit.WantStatus(t, resp, http.StatusOK)
			var p page.Page[noteResponse]
			resp.JSON(t, &p)
			got = append(got, titles(p.Items)...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if strings.Join(got, "") != "edcba" {
			t.Fatalf("pages%s = %v", q, got)
		}
	}
	// A cursor of the unfiltered list is refused by a filtered one.
	resp := e.c.Get(e.path(e.project, "notes")+"?limit=1", e.viewer.Token)
	var p page.Page[noteResponse]
	resp.JSON(t, &p)
	testkit.WantProblem(t, e.c.Get(e.path(e.project, "notes")+"?tag=t&cursor="+p.NextCursor, e.viewer.Token), 400, "invalid-cursor")
}

func TestNotesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreignChapter := e.newChapter(t, e.other)
	trashedChapter := e.newChapter(t, e.project)
	chapterstest.Trash(t, e.pool, e.project, trashedChapter)
	n := e.createNote(t, e.owner.Token, map[string]any{"title": "n"})
	many := make([]string, MaxTags+1)
	for i := range many {
		many[i] = "t" + strings.Repeat("x", i)
	}
	notes := e.path(e.project, "notes")
	one := notes + "/" + n.ID.String()
	tests := []struct {
		name, method, path string
		body               any
		status             int
		slug, field        string
	}{
		{"missing title", "POST", notes, map[string]any{"body": "x"}, 400, "validation", "title"},
		{"title too long", "POST", notes, map[string]any{"title": strings.Repeat("a", MaxNoteTitle+1)}, 400, "validation", "title"},
		{"body too large", "POST", notes, map[string]any{"title": "x", "body": strings.Repeat("a", MaxNoteBody+1)}, 400, "validation", "body"},
		{"too many tags", "POST", notes, map[string]any{"title": "x", "tags": many}, 400, "validation", "tags"},
		{"empty tag", "POST", notes, map[string]any{"title": "x", "tags": []string{"ok", "  "}}, 400, "validation", "tags[1]"},
		{"tag too long", "POST", notes, map[string]any{"title": "x", "tags": []string{strings.Repeat("é", MaxTagLength+1)}}, 400, "validation", "tags[0]"},
		{"tag with comma", "POST", notes, map[string]any{"title": "x", "tags": []string{"a,b"}}, 400, "validation", "tags[0]"},
		{"ftp source url", "POST", notes, map[string]any{"title": "x", "source_url": "ftp://example.org/x"}, 400, "validation", "source_url"},
		{"javascript source url", "POST", notes, map[string]any{"title": "x", "source_url": "javascript:alert(1)"}, 400, "validation", "source_url"},
		{"source url too long", "POST", notes, map[string]any{"title": "x", "source_url": "https://e.org/" + strings.Repeat("a", MaxSourceURL)}, 400, "validation", "source_url"},
		{"chapter of another project", "POST", notes, map[string]any{"title": "x", "chapter_id": foreignChapter}, 400, "validation", "chapter_id"},
		{"trashed chapter", "POST", notes, map[string]any{"title": "x", "chapter_id": trashedChapter}, 400, "validation", "chapter_id"},
		{"unknown chapter", "POST", notes, map[string]any{"title": "x", "chapter_id": uuid.New()}, 400, "validation", "chapter_id"},
		{"chapter id not a uuid", "POST", notes, `{"title":"x","chapter_id":"nope"}`, 400, "malformed-json", ""},
		{"unknown field", "POST", notes, map[string]any{"title": "x", "pinned": true}, 400, "validation", "pinned"},
		{"bad tag filter", "GET", notes + "?tag=", nil, 400, "validation", "tag[0]"},
		{"query too long", "GET", notes + "?q=" + strings.Repeat("a", MaxSearchQuery+1), nil, 400, "validation", "q"},
		{"search with cursor", "GET", notes + "?q=x&cursor=abc", nil, 400, "validation", "cursor"},
		{"bad cursor", "GET", notes + "?cursor=abc", nil, 400, "invalid-cursor", "cursor"},
		{"bad limit", "GET", notes + "?limit=500", nil, 400, "validation", "limit"},
		{"invalid note id", "GET", notes + "/xyz", nil, 400, "validation", "note_id"},
		{"patch without version", "PATCH", one, map[string]any{"title": "y"}, 400, "validation", "version"},
		{"put without title", "PUT", one, map[string]any{"version": 1}, 400, "validation", "title"},
		{"patch stale", "PATCH", one, map[string]any{"title": "y", "version": 3}, 412, "stale-version", ""},
		{"patch foreign chapter", "PATCH", one, map[string]any{"chapter_id": foreignChapter, "version": 1}, 400, "validation", "chapter_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := testkit.WantProblem(t, e.c.For(t).Send(tt.method, tt.path, e.owner.Token, tt.body), tt.status, tt.slug)
			if tt.field != "" {
				if errs, _ := p["errors"].(map[string]any); errs[tt.field] == nil {
					t.Fatalf("errors = %v, want %q", p["errors"], tt.field)
				}
			}
		})
	}
	t.Cleanup(func() {
		var count, version int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*), max(version) FROM research_notes`).Scan(&count, &version); err != nil {
			t.Error(err)
		}
		if count != 1 || version != 1 {
			t.Errorf("rejected requests changed notes: %d notes, version %d", count, version)
		}
	})
}
