package chapters

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// fixture is what one access case acts on, made fresh so cases never see
// each other's changes.
type fixture struct {
	chapter, version, comment, trashed uuid.UUID
}

func (e *env) fixture(commentAuthor testkit.TestUser) fixture {
	e.t.Helper()
	ch := e.createChapter("Fixture", "text")
	vs := e.versions(ch.ID)
	cm := e.comment(ch.ID, commentAuthor.Token, map[string]any{"body": "note"})
	tr := e.createChapter("Trashed", "")
	testkit.WantStatus(e.t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, tr.ID), e.owner.Token, nil), http.StatusNoContent)
	return fixture{chapter: ch.ID, version: vs[0].ID, comment: cm.ID, trashed: tr.ID}
}

// TestEveryRouteChecksTheRole runs every route as owner, editor, commenter,
// viewer, non-member and anonymous caller, and the chapter routes with ids
// of another project.
func TestEveryRouteChecksTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type route struct {
		method, path string // path uses {c} {v} {m} {t} for chapter, version, comment, trashed chapter
		body         func(f fixture) any
		min          string
		ok           int
	}
	routes := []route{
		{"GET", "", nil, RoleViewer, 200},
		{"POST", "", func(fixture) any { return map[string]any{"title": "New"} }, RoleEditor, 201},
		{"POST", "/reorder", nil, RoleEditor, 200},
		{"GET", "/{c}", nil, RoleViewer, 200},
		{"PUT", "/{c}", func(fixture) any {
			return map[string]any{"title": "T", "content": "c", "status": "draft", "version": 1}
		}, RoleEditor, 200},
		{"PATCH", "/{c}", func(fixture) any { return map[string]any{"title": "T", "version": 1} }, RoleEditor, 200},
		{"DELETE", "/{c}", nil, RoleEditor, 204},
		{"POST", "/{t}/restore", nil, RoleEditor, 200},
		{"GET", "/{c}/versions", nil, RoleViewer, 200},
		{"POST", "/{c}/versions", nil, RoleEditor, 201},
		{"GET", "/{c}/versions/{v}", nil, RoleViewer, 200},
		{"POST", "/{c}/versions/{v}/restore", nil, RoleEditor, 201},
		{"GET", "/{c}/comments", nil, RoleViewer, 200},
		{"POST", "/{c}/comments", func(fixture) any { return map[string]any{"body": "hi"} }, RoleCommenter, 201},
		{"GET", "/{c}/comments/{m}", nil, RoleViewer, 200},
		{"PATCH", "/{c}/comments/{m}", func(fixture) any { return map[string]any{"body": "edited", "version": 1} }, RoleCommenter, 200},
		{"DELETE", "/{c}/comments/{m}", nil, RoleCommenter, 204},
		{"POST", "/{c}/comments/{m}/resolve", nil, RoleCommenter, 200},
		{"POST", "/{c}/comments/{m}/unresolve", nil, RoleCommenter, 200},
	}
	callers := []struct {
		name string
		user testkit.TestUser
		role string
	}{
		{"owner", e.owner, RoleOwner}, {"editor", e.editor, RoleEditor}, {"commenter", e.comm, RoleCommenter},
		{"viewer", e.viewer, RoleViewer}, {"non-member", e.stranger, ""},
	}
	expand := func(p string, f fixture, project uuid.UUID) string {
		r := map[string]string{"{c}": f.chapter.String(), "{v}": f.version.String(), "{m}": f.comment.String(), "{t}": f.trashed.String()}
		for k, v := range r {
			p = strings.ReplaceAll(p, k, v)
		}
		return e.chaptersPath(project) + p
	}
	for _, rt := range routes {
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, c.name), func(t *testing.T) {
				// Comments are edited by their author: the caller writes
				// the fixture's comment when their role allows commenting.
				author := e.owner
				if testkit.RoleRank[c.role] >= testkit.RoleRank[RoleCommenter] {
					author = c.user
				}
				f := e.fixture(author)
				var body any
				if rt.body != nil {
					body = rt.body(f)
				}
				if rt.path == "/reorder" {
					body = map[string]any{"chapter_ids": e.liveIDs()}
				}
				resp := e.c.Send(rt.method, expand(rt.path, f, e.project), c.user.Token, body)
				switch {
				case c.role == "":
					testkit.WantProblem(t, resp, http.StatusNotFound, "not-found")
				case testkit.RoleRank[c.role] < testkit.RoleRank[rt.min]:
					testkit.WantProblem(t, resp, http.StatusForbidden, "forbidden")
				default:
					testkit.WantStatus(t, resp, rt.ok)
				}
			})
		}
		t.Run(fmt.Sprintf("%s %s anonymous", rt.method, rt.path), func(t *testing.T) {
			f := e.fixture(e.owner)
			testkit.WantProblem(t, e.c.Send(rt.method, expand(rt.path, f, e.project), "", nil), http.StatusUnauthorized, "unauthenticated")
		})
		if rt.path != "" && rt.path != "/reorder" {
			// The ids of this project's chapter under a project where the
			// caller is owner: nothing there is found.
			t.Run(fmt.Sprintf("%s %s with ids of another project", rt.method, rt.path), func(t *testing.T) {
				f := e.fixture(e.owner)
				var body any
				if rt.body != nil {
					body = rt.body(f)
				}
				testkit.WantProblem(t, e.c.Send(rt.method, expand(rt.path, f, e.other), e.stranger.Token, body), http.StatusNotFound, "not-found")
			})
		}
	}
}

func (e *env) liveIDs() []uuid.UUID {
	e.t.Helper()
	rows, err := e.pool.Query(e.t.Context(), `SELECT id FROM chapters WHERE project_id = $1 AND deleted_at IS NULL ORDER BY position DESC`, e.project)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}
