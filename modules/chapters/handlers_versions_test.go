package chapters

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/testkit"
)

func (e *env) patch(ch uuid.UUID, token string, version int32, body map[string]any) chapterResponse {
	e.t.Helper()
	resp := e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.chapterPath(e.project, ch), Token: token,
		Header: http.Header{"If-Match": {fmt.Sprintf(`"%d"`, version)}}, Body: body})
	testkit.WantStatus(e.t, resp, http.StatusOK)
	var out chapterResponse
	resp.JSON(e.t, &out)
	return out
}

func (e *env) versions(ch uuid.UUID) []versionResponse {
	e.t.Helper()
	resp := e.c.Get(e.chapterPath(e.project, ch)+"/versions", e.viewer.Token)
	testkit.WantStatus(e.t, resp, http.StatusOK)
	var p page.Page[versionResponse]
	resp.JSON(e.t, &p)
	return p.Items
}

func TestVersionsAreRecordedAndRestored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Every change is long after the previous snapshot.
	e.clockAhead(SnapshotInterval + time.Minute)
	ch := e.createChapter("One", "first draft")
	if vs := e.versions(ch.ID); len(vs) != 1 || vs[0].Reason != "autosave" || vs[0].Number != 1 || *vs[0].AuthorID != e.owner.ID || vs[0].AuthorName == nil || *vs[0].AuthorName != "owner" {
		t.Fatalf("after create: %+v", vs)
	}
	// The first edit finds the created text already recorded; the second
	// records the editor's text it replaces.
	c2 := e.patch(ch.ID, e.editor.Token, 1, map[string]any{"content": "second draft"})
	c3 := e.patch(ch.ID, e.owner.Token, c2.Version, map[string]any{"content": "third draft"})
	// A status change is not a text change: no version.
	c4 := e.patch(ch.ID, e.owner.Token, c3.Version, map[string]any{"status": "final"})
	vs := e.versions(ch.ID)
	if len(vs) != 2 || vs[0].Number != 2 || vs[0].Content != nil || *vs[0].AuthorID != e.editor.ID || *vs[0].ChapterVersion != 2 {
		t.Fatalf("after edits: %+v", vs)
	}

	// An explicit snapshot with a label, then restore version 1.
	resp := e.c.Send(http.MethodPost, e.chapterPath(e.project, ch.ID)+"/versions", e.editor.Token, map[string]any{"label": " Before the rewrite "})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var manual versionResponse
	resp.JSON(t, &manual)
	if manual.AuthorName == nil || *manual.AuthorName != "editor" || manual.Reason != "manual" || *manual.Label != "Before the rewrite" || *manual.Content != "third draft" || manual.Number != 3 {
		t.Fatalf("manual = %+v", manual)
	}
	first := vs[1]
	resp = e.c.Do(testkit.Request{Method: http.MethodPost, Path: e.chapterPath(e.project, ch.ID) + "/versions/" + first.ID.String() + "/restore",
		Token: e.editor.Token, Header: http.Header{"If-Match": {fmt.Sprintf(`"%d"`, c4.Version)}}})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var restored restoreResponse
	resp.JSON(t, &restored)
	if *restored.Chapter.Content != "first draft" || restored.Chapter.WordCount != 2 || restored.Chapter.Status != "final" ||
		restored.Version.Reason != "restore" || *restored.Version.RestoredFrom != first.ID || restored.Version.Number != 4 {
		t.Fatalf("restore = %+v", restored)
	}
	if resp.Header.Get("ETag") != fmt.Sprintf(`"%d"`, restored.Chapter.Version) {
		t.Fatalf("ETag %q", resp.Header.Get("ETag"))
	}
	// History is never deleted: 4 versions, newest first; get one has content.
	vs = e.versions(ch.ID)
	if len(vs) != 4 || vs[0].Number != 4 || vs[3].Number != 1 {
		t.Fatalf("history = %+v", vs)
	}
	resp = e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions/"+vs[2].ID.String(), e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var v versionResponse
	resp.JSON(t, &v)
	if *v.Content != "second draft" {
		t.Fatalf("version 2 content %q", *v.Content)
	}

	// Restoring with a stale ETag changes nothing.
	testkit.WantProblem(t, e.c.Do(testkit.Request{Method: http.MethodPost, Path: e.chapterPath(e.project, ch.ID) + "/versions/" + first.ID.String() + "/restore",
		Token: e.owner.Token, Header: http.Header{"If-Match": {`"1"`}}}), http.StatusPreconditionFailed, "stale-version")
	if n := len(e.versions(ch.ID)); n != 4 {
		t.Fatalf("stale restore recorded a version: %d", n)
	}

	// Restoring unsaved text first records it.
	e.patch(ch.ID, e.owner.Token, restored.Chapter.Version, map[string]any{"content": "unsaved words"})
	resp = e.c.Send(http.MethodPost, e.chapterPath(e.project, ch.ID)+"/versions/"+manual.ID.String()+"/restore", e.owner.Token, nil)
	testkit.WantStatus(t, resp, http.StatusCreated)
	vs = e.versions(ch.ID)
	if len(vs) != 6 || vs[1].Reason != "autosave" {
		t.Fatalf("history after second restore = %+v", vs)
	}
	resp = e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions/"+vs[1].ID.String(), e.viewer.Token)
	resp.JSON(t, &v)
	if *v.Content != "unsaved words" {
		t.Fatalf("replaced text recorded as %q", *v.Content)
	}
}

func TestVersionsWithinTheIntervalFold(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // the default interval: edits minutes apart at most
	ch := e.createChapter("One", "a")
	v := ch.Version
	for i := range 5 {
		v = e.patch(ch.ID, e.owner.Token, v, map[string]any{"content": fmt.Sprintf("edit %d", i)}).Version
	}
	if vs := e.versions(ch.ID); len(vs) != 1 {
		t.Fatalf("%d versions, want 1 (edits within the interval fold)", len(vs))
	}
	// Once the interval has passed, the next edit records the text it
	// replaces.
	e.clockAhead(SnapshotInterval + time.Second)
	e.patch(ch.ID, e.owner.Token, v, map[string]any{"content": "after a break"})
	vs := e.versions(ch.ID)
	if len(vs) != 2 || vs[0].Reason != "autosave" || *vs[0].ChapterVersion != v {
		t.Fatalf("after the interval: %+v", vs)
	}
	resp := e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions/"+vs[0].ID.String(), e.viewer.Token)
	var got versionResponse
	resp.JSON(t, &got)
	if *got.Content != "edit 4" {
		t.Fatalf("recorded %q, want the replaced text", *got.Content)
	}
}

func TestVersionsPaginateAndStayInTheirChapter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "a")
	other := e.createChapter("Two", "b")
	for range 4 {
		testkit.WantStatus(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, ch.ID)+"/versions", e.owner.Token, nil), http.StatusCreated)
	}
	var numbers []int32
	items, _ := allPages[versionResponse](t, e, e.chapterPath(e.project, ch.ID)+"/versions?limit=2")
	for _, v := range items {
		numbers = append(numbers, v.Number)
	}
	if fmt.Sprint(numbers) != "[5 4 3 2 1]" {
		t.Fatalf("numbers = %v", numbers)
	}
	otherVersions := e.versions(other.ID)
	// A version id under another chapter, and a chapter under another project.
	testkit.WantProblem(t, e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions/"+otherVersions[0].ID.String(), e.owner.Token), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, ch.ID)+"/versions/"+otherVersions[0].ID.String()+"/restore", e.owner.Token, nil), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions/nope", e.owner.Token), http.StatusBadRequest, "validation")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, ch.ID)+"/versions", e.owner.Token, map[string]any{"label": ""}), http.StatusBadRequest, "validation")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, ch.ID)+"/versions", e.owner.Token, `{"label":"a\u0000b"}`), http.StatusBadRequest, "validation")
	testkit.WantProblem(t, e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions?cursor=x.y", e.owner.Token), http.StatusBadRequest, "invalid-cursor")
}
