package chapters

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// fixture is what one access case acts on, made fresh so cases never see
// each other's changes.
type fixture struct {
	chapter, version, comment, trashed uuid.UUID
}

// fixture makes a chapter with a version and a comment by the holder of
// commentAuthor, and a trashed chapter.
func (e *env) fixture(t *testing.T, commentAuthor string) fixture {
	t.Helper()
	c := e.c.For(t)
	create := func(title string) uuid.UUID {
		resp := c.Send(http.MethodPost, e.chaptersPath(e.project), e.owner.Token, map[string]any{"title": title, "content": "text"})
		testkit.WantStatus(t, resp, http.StatusCreated)
		var ch chapterResponse
		resp.JSON(t, &ch)
		return ch.ID
	}
	var f fixture
	f.chapter = create("Fixture")
	resp := c.Get(e.chapterPath(e.project, f.chapter)+"/versions", e.owner.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var vs struct{ Items []versionResponse }
	resp.JSON(t, &vs)
	f.version = vs.Items[0].ID
	resp = c.Send(http.MethodPost, e.commentsPath(f.chapter), commentAuthor, map[string]any{"body": "note"})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var cm commentResponse
	resp.JSON(t, &cm)
	f.comment = cm.ID
	f.trashed = create("Trashed")
	testkit.WantStatus(t, c.Send(http.MethodDelete, e.chapterPath(e.project, f.trashed), e.owner.Token, nil), http.StatusNoContent)
	return f
}

// path fills {c} {v} {m} {t} (chapter, version, comment, trashed chapter)
// in a path under project's chapters.
func (f fixture) path(e *env, project uuid.UUID, p string) string {
	return e.chaptersPath(project) + strings.NewReplacer(
		"{c}", f.chapter.String(), "{v}", f.version.String(), "{m}", f.comment.String(), "{t}", f.trashed.String(),
	).Replace(p)
}

// route is one endpoint of the module with the least role it admits.
type route struct {
	method, path string
	body         func(e *env, f fixture) any
	least        roles.Role
	ok           int
}

func (rt route) name() string { return rt.method + " " + rt.path }

// underChapter reports whether the route names a chapter (or something
// of one) by id.
func (rt route) underChapter() bool { return strings.HasPrefix(rt.path, "/{") }

var routes = []route{
	{"GET", "", nil, roles.Viewer, 200},
	{"POST", "", func(*env, fixture) any { return map[string]any{"title": "New"} }, roles.Editor, 201},
	{"POST", "/reorder", func(e *env, _ fixture) any { return map[string]any{"chapter_ids": e.liveIDs()} }, roles.Editor, 200},
	{"GET", "/{c}", nil, roles.Viewer, 200},
	{"PUT", "/{c}", func(*env, fixture) any {
		return map[string]any{"title": "T", "content": "c", "status": "draft", "version": 1}
	}, roles.Editor, 200},
	{"PATCH", "/{c}", func(*env, fixture) any { return map[string]any{"title": "T", "version": 1} }, roles.Editor, 200},
	{"DELETE", "/{c}", nil, roles.Editor, 204},
	{"POST", "/{t}/restore", nil, roles.Editor, 200},
	{"GET", "/{c}/versions", nil, roles.Viewer, 200},
	{"POST", "/{c}/versions", nil, roles.Editor, 201},
	{"GET", "/{c}/versions/{v}", nil, roles.Viewer, 200},
	{"POST", "/{c}/versions/{v}/restore", nil, roles.Editor, 201},
	{"GET", "/{c}/comments", nil, roles.Viewer, 200},
	{"POST", "/{c}/comments", func(*env, fixture) any { return map[string]any{"body": "hi"} }, roles.Commenter, 201},
	{"GET", "/{c}/comments/{m}", nil, roles.Viewer, 200},
	{"PATCH", "/{c}/comments/{m}", func(*env, fixture) any { return map[string]any{"body": "edited", "version": 1} }, roles.Commenter, 200},
	{"DELETE", "/{c}/comments/{m}", nil, roles.Commenter, 204},
	{"POST", "/{c}/comments/{m}/resolve", nil, roles.Commenter, 200},
	{"POST", "/{c}/comments/{m}/unresolve", nil, roles.Commenter, 200},
}

// TestEveryRouteChecksTheRole runs every route as owner, editor,
// commenter, viewer, non-member and anonymous caller.
func TestEveryRouteChecksTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	callers := []testkit.Caller{
		{Name: "owner", Role: roles.Owner, Token: e.owner.Token},
		{Name: "editor", Role: roles.Editor, Token: e.editor.Token},
		{Name: "commenter", Role: roles.Commenter, Token: e.comm.Token},
		{Name: "viewer", Role: roles.Viewer, Token: e.viewer.Token},
		{Name: "non-member", Token: e.stranger.Token},
		{Name: "anonymous"},
	}
	var cases []testkit.RoleCase
	for _, rt := range routes {
		var f fixture // of the caller being run
		rc := testkit.RoleCase{Name: rt.name(), Least: rt.least, OK: rt.ok,
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				// Comments are edited by their author: the caller writes
				// the fixture's comment when their role allows commenting.
				author := e.owner.Token
				if c.Role.AtLeast(roles.Commenter) {
					author = c.Token
				}
				f = e.fixture(t, author)
				var body any
				if rt.body != nil {
					body = rt.body(e, f)
				}
				return testkit.Request{Method: rt.method, Path: f.path(e, e.project, rt.path), Body: body}
			},
		}
		switch rt.name() {
		case "GET /{c}/comments/{m}", "PATCH /{c}/comments/{m}":
			rc.Check = func(t *testing.T, c testkit.Caller, resp *testkit.Response) {
				type comment struct {
					ID   uuid.UUID
					Body string
				}
				var got commentResponse
				resp.JSON(t, &got)
				want := comment{f.comment, map[string]string{"GET": "note", "PATCH": "edited"}[rt.method]}
				if diff := cmp.Diff(want, comment{got.ID, got.Body}); diff != "" {
					t.Errorf("comment (-want +got):\n%s", diff)
				}
			}
		}
		cases = append(cases, rc)
	}
	testkit.RunRoleMatrix(t, e.c, callers, cases)
}

// TestIDsOfAnotherProjectAreNotFound sends every route under a chapter with
// this book's ids under another book, whose owner the caller is: nothing
// there is found, and nothing here changes.
func TestIDsOfAnotherProjectAreNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, rt := range routes {
		if !rt.underChapter() {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := e.fixture(t, e.owner.Token)
			var body any
			if rt.body != nil {
				body = rt.body(e, f)
			}
			c := e.c.For(t)
			testkit.WantProblem(t, c.Send(rt.method, f.path(e, e.other, rt.path), e.stranger.Token, body), http.StatusNotFound, "not-found")
			resp := c.Get(e.chapterPath(e.project, f.chapter), e.owner.Token)
			testkit.WantStatus(t, resp, http.StatusOK)
			var ch chapterResponse
			resp.JSON(t, &ch)
			if ch.Version != 1 {
				t.Errorf("the chapter changed: version %d", ch.Version)
			}
		})
	}
}

// TestRoutesUnderATrashedChapterAreNotFound: a chapter in the trash, its
// versions and its comments are out of reach until it is restored.
func TestRoutesUnderATrashedChapterAreNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture(t, e.comm.Token)
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, f.chapter), e.owner.Token, nil), http.StatusNoContent)
	for _, rt := range routes {
		if !strings.HasPrefix(rt.path, "/{c}") {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			var body any
			if rt.body != nil {
				body = rt.body(e, f)
			}
			token := e.owner.Token
			if strings.Contains(rt.path, "{m}") && rt.method == http.MethodPatch {
				token = e.comm.Token // the comment's author
			}
			p := testkit.WantProblem(t, e.c.For(t).Send(rt.method, f.path(e, e.project, rt.path), token, body), http.StatusNotFound, "not-found")
			if diff := cmp.Diff("chapter not found", p["detail"]); diff != "" {
				t.Errorf("detail (-want +got):\n%s", diff)
			}
		})
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
