package chapters

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// ignoreTimes leaves out the times the database sets.
var ignoreTimes = cmpopts.IgnoreFields(chapterResponse{}, "CreatedAt", "UpdatedAt")

func TestChapterLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	one := e.createChapter("One", "It was a dark and stormy night.")
	want := chapterResponse{
		ID: one.ID, ProjectID: e.project, Title: "One", Content: ptr("It was a dark and stormy night."),
		Position: 0, Status: "draft", WordCount: 7, Version: 1, CreatedBy: &e.owner.ID, UpdatedBy: &e.owner.ID,
	}
	if diff := cmp.Diff(want, one, ignoreTimes); diff != "" {
		t.Fatalf("created chapter (-want +got):\n%s", diff)
	}
	two := e.createChapter("Two", "")
	three := e.createChapter("Three", "")

	// Created at a position, the others shift.
	resp := e.c.Send(http.MethodPost, e.chaptersPath(e.project), e.editor.Token,
		map[string]any{"title": "Prologue", "position": 0, "status": "revising"})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var pro chapterResponse
	resp.JSON(t, &pro)
	if pro.Position != 0 || pro.Status != "revising" || resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("prologue = %+v, ETag %q", pro, resp.Header.Get("ETag"))
	}
	if got := e.order(e.project); !slices.Equal(got, []string{"Prologue", "One", "Two", "Three"}) {
		t.Fatalf("order = %v", got)
	}
	// A position past the end appends.
	resp = e.c.Send(http.MethodPost, e.chaptersPath(e.project), e.owner.Token, map[string]any{"title": "Epilogue", "position": 99})
	testkit.WantStatus(t, resp, http.StatusCreated)

	// Get has content and the ETag.
	resp = e.c.Get(e.chapterPath(e.project, one.ID), e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var got chapterResponse
	resp.JSON(t, &got)
	want.Position = 1
	if diff := cmp.Diff(want, got, ignoreTimes); diff != "" || resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("get (-want +got):\n%s ETag %q", diff, resp.Header.Get("ETag"))
	}

	// PATCH changes the named fields and bumps the version.
	resp = e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.chapterPath(e.project, one.ID), Token: e.editor.Token,
		Header: http.Header{"If-Match": {`"1"`}}, Body: map[string]any{"content": "Ceci n'est pas une pipe.", "status": "final"}})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	want.Content, want.Status, want.WordCount, want.Version, want.UpdatedBy = ptr("Ceci n'est pas une pipe."), "final", 5, 2, &e.editor.ID
	if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
		t.Fatalf("patched (-want +got):\n%s", diff)
	}
	// PUT replaces everything; the body version is an alternative to If-Match.
	resp = e.c.Send(http.MethodPut, e.chapterPath(e.project, one.ID), e.owner.Token,
		map[string]any{"title": "  Chapter One ", "content": "# Heading\n\nNew text here.", "status": "draft", "version": 2})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	want.Title, want.Content, want.Status, want.WordCount, want.Version, want.UpdatedBy = "Chapter One", ptr("# Heading\n\nNew text here."), "draft", 4, 3, &e.owner.ID
	if diff := cmp.Diff(want, got, ignoreTimes); diff != "" || resp.Header.Get("ETag") != `"3"` {
		t.Fatalf("put (-want +got):\n%s ETag %q", diff, resp.Header.Get("ETag"))
	}
	// The same values again change nothing, not even the version.
	resp = e.c.Send(http.MethodPatch, e.chapterPath(e.project, one.ID), e.owner.Token, map[string]any{"status": "draft", "version": 3})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
		t.Fatalf("a patch to the same values changed the chapter (-want +got):\n%s", diff)
	}

	// Delete closes the gap; the chapter disappears from reads.
	resp = e.c.Send(http.MethodDelete, e.chapterPath(e.project, two.ID), e.editor.Token, nil)
	testkit.WantStatus(t, resp, http.StatusNoContent)
	if got := e.order(e.project); !slices.Equal(got, []string{"Prologue", "Chapter One", "Three", "Epilogue"}) {
		t.Fatalf("order after delete = %v", got)
	}
	testkit.WantProblem(t, e.c.Get(e.chapterPath(e.project, two.ID), e.owner.Token), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, two.ID), e.owner.Token, nil), http.StatusNotFound, "not-found")

	// Restore puts it back where it was.
	resp = e.c.Send(http.MethodPost, e.chapterPath(e.project, two.ID)+"/restore", e.editor.Token, nil)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if got.Position != 2 {
		t.Fatalf("restored at %d, want 2", got.Position)
	}
	if got := e.order(e.project); !slices.Equal(got, []string{"Prologue", "Chapter One", "Two", "Three", "Epilogue"}) {
		t.Fatalf("order after restore = %v", got)
	}
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, two.ID)+"/restore", e.owner.Token, nil), http.StatusNotFound, "not-found")

	// Restoring when the book got shorter than the old position appends.
	for _, id := range []uuid.UUID{three.ID, pro.ID} {
		testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, id), e.owner.Token, nil), http.StatusNoContent)
	}
	testkit.WantStatus(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, three.ID)+"/restore", e.owner.Token, nil), http.StatusOK)
	if got := e.order(e.project); !slices.Equal(got, []string{"Chapter One", "Two", "Epilogue", "Three"}) {
		t.Fatalf("order after second restore = %v", got)
	}
}

func TestListChaptersPaginates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 5 {
		e.createChapter("Chapter "+string(rune('A'+i)), "words words")
	}
	items, pages := allPages[chapterResponse](t, e, e.chaptersPath(e.project)+"?limit=2")
	var titles []string
	for _, c := range items {
		if c.Content != nil {
			t.Fatalf("list item has content without ?include=content")
		}
		titles = append(titles, c.Title)
	}
	if pages != 3 || strings.Join(titles, ",") != "Chapter A,Chapter B,Chapter C,Chapter D,Chapter E" {
		t.Fatalf("%d pages: %v", pages, titles)
	}
	resp := e.c.Get(e.chaptersPath(e.project)+"?include=content&limit=1", e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var p page.Page[chapterResponse]
	resp.JSON(t, &p)
	if len(p.Items) != 1 || p.Items[0].Content == nil || *p.Items[0].Content != "words words" {
		t.Fatalf("include=content: %s", resp.Body)
	}

	// A cursor of another project's list is refused.
	resp = e.c.Get(e.chaptersPath(e.project)+"?limit=1", e.owner.Token)
	resp.JSON(t, &p)
	e.books.Share(t, e.other, e.owner.ID, roles.Viewer)
	testkit.WantProblem(t, e.c.Get(e.chaptersPath(e.other)+"?cursor="+p.NextCursor, e.owner.Token), http.StatusBadRequest, "invalid-cursor")
}

func TestChapterBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "text")
	long := strings.Repeat("é", MaxChapterTitle+1)
	huge := strings.Repeat("a", MaxChapterContent+1)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		header http.Header
		status int
		slug   string
		field  string
	}{
		{"empty title", "POST", e.chaptersPath(e.project), map[string]any{"title": "  "}, nil, 400, "validation", "title"},
		{"title too long", "POST", e.chaptersPath(e.project), map[string]any{"title": long}, nil, 400, "validation", "title"},
		{"title with newline", "POST", e.chaptersPath(e.project), map[string]any{"title": "a\nb"}, nil, 400, "validation", "title"},
		{"bad status", "POST", e.chaptersPath(e.project), map[string]any{"title": "x", "status": "published"}, nil, 400, "validation", "status"},
		{"negative position", "POST", e.chaptersPath(e.project), map[string]any{"title": "x", "position": -1}, nil, 400, "validation", "position"},
		{"unknown field", "POST", e.chaptersPath(e.project), map[string]any{"title": "x", "colour": "red"}, nil, 400, "validation", "colour"},
		{"wrong type", "POST", e.chaptersPath(e.project), `{"title": 5}`, nil, 400, "validation", "title"},
		{"malformed json", "POST", e.chaptersPath(e.project), `{"title": `, nil, 400, "malformed-json", ""},
		{"content over 2 MiB", "POST", e.chaptersPath(e.project), map[string]any{"title": "x", "content": huge}, nil, 400, "validation", "content"},
		{"body far over the cap", "POST", e.chaptersPath(e.project), `{"title":"x","content":"` + strings.Repeat("a", maxChapterRequestBytes) + `"}`, nil, 413, "too-large", ""},
		{"invalid project uuid", "GET", "/api/v1/projects/nope/chapters", nil, nil, 400, "validation", "project_id"},
		{"invalid chapter uuid", "GET", e.chaptersPath(e.project) + "/123", nil, nil, 400, "validation", "chapter_id"},
		{"bad limit", "GET", e.chaptersPath(e.project) + "?limit=0", nil, nil, 400, "validation", "limit"},
		{"bad cursor", "GET", e.chaptersPath(e.project) + "?cursor=abc.def", nil, nil, 400, "invalid-cursor", "cursor"},
		{"bad include", "GET", e.chaptersPath(e.project) + "?include=everything", nil, nil, 400, "validation", "include"},
		{"patch without version", "PATCH", e.chapterPath(e.project, ch.ID), map[string]any{"title": "x"}, nil, 400, "validation", "version"},
		{"put missing fields", "PUT", e.chapterPath(e.project, ch.ID), map[string]any{"title": "x", "version": 1}, nil, 400, "validation", "content"},
		{"patch bad status", "PATCH", e.chapterPath(e.project, ch.ID), map[string]any{"status": "DRAFT", "version": 1}, nil, 400, "validation", "status"},
		{"malformed If-Match", "PATCH", e.chapterPath(e.project, ch.ID), map[string]any{"title": "x"}, http.Header{"If-Match": {"1"}}, 400, "validation", "If-Match"},
		{"stale If-Match", "PATCH", e.chapterPath(e.project, ch.ID), map[string]any{"title": "x"}, http.Header{"If-Match": {`"7"`}}, 412, "stale-version", ""},
		{"stale body version", "PATCH", e.chapterPath(e.project, ch.ID), map[string]any{"title": "x", "version": 2}, nil, 412, "stale-version", ""},
		{"If-Match and body disagree", "PATCH", e.chapterPath(e.project, ch.ID), map[string]any{"title": "x", "version": 2}, http.Header{"If-Match": {`"1"`}}, 412, "stale-version", ""},
		{"stale delete", "DELETE", e.chapterPath(e.project, ch.ID), nil, http.Header{"If-Match": {`"5"`}}, 412, "stale-version", ""},
		{"no content type", "POST", e.chaptersPath(e.project), nil, http.Header{"Content-Type": {"text/plain"}}, 415, "unsupported-media-type", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body
			if body == nil && tt.method == "POST" {
				body = `{"title":"x"}`
			}
			resp := e.c.Do(testkit.Request{Method: tt.method, Path: tt.path, Token: e.owner.Token, Body: body, Header: tt.header})
			p := testkit.WantProblem(t, resp, tt.status, tt.slug)
			if tt.field != "" {
				errs, _ := p["errors"].(map[string]any)
				if _, ok := errs[tt.field]; !ok {
					t.Fatalf("errors = %v, want a %q entry", p["errors"], tt.field)
				}
			}
		})
	}
	t.Cleanup(func() {
		// Nothing above may have changed the chapter or added one.
		var n, version int
		var title string
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) OVER (), version, title FROM chapters WHERE project_id = $1`, e.project).Scan(&n, &version, &title); err != nil {
			t.Error(err)
		}
		if n != 1 || version != 1 || title != "One" {
			t.Errorf("rejected requests changed state: %d chapters, version %d, title %q", n, version, title)
		}
	})
}

func TestChapterExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.createChapter("A", "one two three")
	gone := e.createChapter("C", "six seven eight nine")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, gone.ID), e.owner.Token, nil), http.StatusNoContent)
	for _, tt := range []struct {
		project, chapter uuid.UUID
		want             bool
	}{{e.project, a.ID, true}, {e.other, a.ID, false}, {e.project, gone.ID, false}, {e.project, uuid.New(), false}} {
		if ok, err := e.mod.ChapterExists(t.Context(), tt.project, tt.chapter); err != nil || ok != tt.want {
			t.Errorf("ChapterExists(%s, %s) = %v, %v; want %v", tt.project, tt.chapter, ok, err, tt.want)
		}
	}
}
