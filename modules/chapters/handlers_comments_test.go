package chapters

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/testkit"
)

func (e *env) commentsPath(ch uuid.UUID) string { return e.chapterPath(e.project, ch) + "/comments" }

func (e *env) comment(ch uuid.UUID, token string, body map[string]any) commentResponse {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, e.commentsPath(ch), token, body)
	testkit.WantStatus(e.t, resp, http.StatusCreated)
	var c commentResponse
	resp.JSON(e.t, &c)
	return c
}

func (e *env) listComments(ch uuid.UUID, query string) []commentResponse {
	e.t.Helper()
	resp := e.c.Get(e.commentsPath(ch)+query, e.viewer.Token)
	testkit.WantStatus(e.t, resp, http.StatusOK)
	var p page.Page[commentResponse]
	resp.JSON(e.t, &p)
	return p.Items
}

func TestCommentThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "text")
	other := e.createChapter("Two", "text")
	root := e.comment(ch.ID, e.comm.Token, map[string]any{"body": " Why this word? ", "anchor": map[string]any{"from": 3, "to": 9}})
	if root.Body != "Why this word?" || root.Depth != 0 || string(root.Anchor) != `{"to":9,"from":3}` || *root.AuthorID != e.comm.ID || root.AuthorName == nil || *root.AuthorName != "commenter" {
		t.Fatalf("root = %+v anchor %s", root, root.Anchor)
	}
	// Replies nest up to MaxCommentDepth.
	parent := root
	for d := 1; d <= MaxCommentDepth; d++ {
		parent = e.comment(ch.ID, e.editor.Token, map[string]any{"body": "reply", "parent_id": parent.ID})
		if parent.Depth != int16(d) {
			t.Fatalf("depth %d, want %d", parent.Depth, d)
		}
	}
	otherComment := e.comment(other.ID, e.owner.Token, map[string]any{"body": "elsewhere"})

	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"too deep", map[string]any{"body": "x", "parent_id": parent.ID}, "parent_id"},
		{"parent on another chapter", map[string]any{"body": "x", "parent_id": otherComment.ID}, "parent_id"},
		{"unknown parent", map[string]any{"body": "x", "parent_id": uuid.New()}, "parent_id"},
		{"empty body", map[string]any{"body": "   "}, "body"},
		{"body too long", map[string]any{"body": strings.Repeat("ü", MaxCommentChars+1)}, "body"},
		{"anchor not an object", map[string]any{"body": "x", "anchor": []int{1, 2}}, "anchor"},
		{"anchor too large", map[string]any{"body": "x", "anchor": map[string]any{"k": strings.Repeat("a", MaxCommentAnchor)}}, "anchor"},
		{"anchor with NUL", `{"body":"x","anchor":{"k":"\u0000"}}`, "anchor"},
		{"unknown field", map[string]any{"body": "x", "resolved": true}, "resolved"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := testkit.WantProblem(t, e.c.Send(http.MethodPost, e.commentsPath(ch.ID), e.comm.Token, tt.body), http.StatusBadRequest, "validation")
			if errs, _ := p["errors"].(map[string]any); errs[tt.field] == nil {
				t.Fatalf("errors = %v, want %q", p["errors"], tt.field)
			}
		})
	}
	t.Run("resolve, filter, edit, delete", func(t *testing.T) {
		t.Parallel()
		c := e.comment(ch.ID, e.comm.Token, map[string]any{"body": "typo here"})
		resp := e.c.Send(http.MethodPost, e.commentsPath(ch.ID)+"/"+c.ID.String()+"/resolve", e.editor.Token, nil)
		testkit.WantStatus(t, resp, http.StatusOK)
		var got commentResponse
		resp.JSON(t, &got)
		if !got.Resolved || *got.ResolvedBy != e.editor.ID || got.ResolvedAt == nil || got.Version != 2 {
			t.Fatalf("resolved = %+v", got)
		}
		for _, l := range e.listComments(ch.ID, "?resolved=false") {
			if l.ID == c.ID {
				t.Fatal("resolved comment in the unresolved list")
			}
		}
		if rs := e.listComments(ch.ID, "?resolved=true"); len(rs) != 1 || rs[0].ID != c.ID {
			t.Fatalf("resolved list = %+v", rs)
		}
		resp = e.c.Send(http.MethodPost, e.commentsPath(ch.ID)+"/"+c.ID.String()+"/unresolve", e.comm.Token, nil)
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &got)
		if got.Resolved || got.ResolvedBy != nil || got.Version != 3 {
			t.Fatalf("unresolved = %+v", got)
		}

		// Only the author edits; a stale version changes nothing.
		cpath := e.commentsPath(ch.ID) + "/" + c.ID.String()
		testkit.WantProblem(t, e.c.Send(http.MethodPatch, cpath, e.owner.Token, map[string]any{"body": "owner edit", "version": 3}), http.StatusForbidden, "forbidden")
		testkit.WantProblem(t, e.c.Send(http.MethodPatch, cpath, e.comm.Token, map[string]any{"body": "late", "version": 1}), http.StatusPreconditionFailed, "stale-version")
		testkit.WantProblem(t, e.c.Send(http.MethodPatch, cpath, e.comm.Token, map[string]any{"body": "no version"}), http.StatusBadRequest, "validation")
		resp = e.c.Send(http.MethodPatch, cpath, e.comm.Token, map[string]any{"body": "typo fixed?", "version": 3})
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &got)
		if got.Body != "typo fixed?" || got.Version != 4 || resp.Header.Get("ETag") != `"4"` {
			t.Fatalf("edited = %+v", got)
		}
		// An anchor can be set and removed again.
		resp = e.c.Send(http.MethodPatch, cpath, e.comm.Token, map[string]any{"anchor": map[string]int{"at": 4}, "version": 4})
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &got)
		if string(got.Anchor) != `{"at":4}` || got.Body != "typo fixed?" {
			t.Fatalf("anchored = %+v, anchor %s", got, got.Anchor)
		}
		resp = e.c.Send(http.MethodPatch, cpath, e.comm.Token, map[string]any{"anchor": nil, "version": 5})
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &got)
		if string(got.Anchor) != "null" || got.Version != 6 {
			t.Fatalf("unanchored = %+v, anchor %s", got, got.Anchor)
		}
		// Another commenter may not delete it; the owner may.
		testkit.WantProblem(t, e.c.Send(http.MethodDelete, cpath, e.editor.Token, nil), http.StatusForbidden, "forbidden")
		testkit.WantStatus(t, e.c.Send(http.MethodDelete, cpath, e.owner.Token, nil), http.StatusNoContent)
		testkit.WantProblem(t, e.c.Get(cpath, e.viewer.Token), http.StatusNotFound, "not-found")
	})
	t.Run("a comment id under another chapter is not found", func(t *testing.T) {
		t.Parallel()
		wrong := e.commentsPath(ch.ID) + "/" + otherComment.ID.String()
		testkit.WantProblem(t, e.c.Get(wrong, e.owner.Token), http.StatusNotFound, "not-found")
		testkit.WantProblem(t, e.c.Send(http.MethodPatch, wrong, e.owner.Token, map[string]any{"body": "x", "version": 1}), http.StatusNotFound, "not-found")
		testkit.WantProblem(t, e.c.Send(http.MethodDelete, wrong, e.owner.Token, nil), http.StatusNotFound, "not-found")
		testkit.WantProblem(t, e.c.Send(http.MethodPost, wrong+"/resolve", e.owner.Token, nil), http.StatusNotFound, "not-found")
		testkit.WantProblem(t, e.c.Get(e.commentsPath(ch.ID)+"?resolved=maybe", e.owner.Token), http.StatusBadRequest, "validation")
	})
}

func TestDeletingACommentTakesItsReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "text")
	root := e.comment(ch.ID, e.comm.Token, map[string]any{"body": "root"})
	reply := e.comment(ch.ID, e.editor.Token, map[string]any{"body": "reply", "parent_id": root.ID})
	e.comment(ch.ID, e.owner.Token, map[string]any{"body": "reply to reply", "parent_id": reply.ID})
	keep := e.comment(ch.ID, e.owner.Token, map[string]any{"body": "separate"})
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.commentsPath(ch.ID)+"/"+root.ID.String(), e.comm.Token, nil), http.StatusNoContent)
	if got := e.listComments(ch.ID, ""); len(got) != 1 || got[0].ID != keep.ID || *got[0].AuthorName != "owner" {
		t.Fatalf("after deleting the thread: %+v", got)
	}
}

func TestCommentsPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "text")
	var want []uuid.UUID
	for range 5 {
		want = append(want, e.comment(ch.ID, e.comm.Token, map[string]any{"body": "c"}).ID)
	}
	var got []uuid.UUID
	items, _ := allPages[commentResponse](t, e, e.commentsPath(ch.ID)+"?resolved=false&limit=2")
	for _, c := range items {
		got = append(got, c.ID)
	}
	if len(got) != 5 {
		t.Fatalf("got %d comments, want 5", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	// A cursor of the unresolved list is refused by the full list.
	resp := e.c.Get(e.commentsPath(ch.ID)+"?resolved=false&limit=1", e.viewer.Token)
	var p page.Page[commentResponse]
	resp.JSON(t, &p)
	testkit.WantProblem(t, e.c.Get(e.commentsPath(ch.ID)+"?cursor="+p.NextCursor, e.viewer.Token), http.StatusBadRequest, "invalid-cursor")
}

// TestOverlappingThreadDeletes deletes a thread and one of its replies at
// the same time: both answer 204 or 404, never a deadlock's 500.
func TestOverlappingThreadDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "text")
	for round := range 5 {
		root := e.comment(ch.ID, e.owner.Token, map[string]any{"body": "root"})
		mid := e.comment(ch.ID, e.owner.Token, map[string]any{"body": "mid", "parent_id": root.ID})
		for range 3 {
			e.comment(ch.ID, e.owner.Token, map[string]any{"body": "leaf", "parent_id": mid.ID})
		}
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, id := range []uuid.UUID{root.ID, mid.ID} {
			wg.Go(func() {
				codes[i] = e.c.Send(http.MethodDelete, e.commentsPath(ch.ID)+"/"+id.String(), e.owner.Token, nil).StatusCode
			})
		}
		wg.Wait()
		for _, c := range codes {
			if c != http.StatusNoContent && c != http.StatusNotFound {
				t.Fatalf("round %d: statuses %v", round, codes)
			}
		}
		if got := e.listComments(ch.ID, ""); len(got) != 0 {
			t.Fatalf("round %d: %d comments left", round, len(got))
		}
	}
}
