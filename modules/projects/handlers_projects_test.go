package projects_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// wantUnchanged fails t unless book id is as e.book left it (with one extra
// viewer): version 1 (2 when trashed), the trash state, and the four members
// with their roles. A refused request must change nothing.
func (e *env) wantUnchanged(t *testing.T, tm team, id uuid.UUID, trashed bool) {
	t.Helper()
	var version, members int
	var inTrash bool
	err := e.pool.QueryRow(context.Background(), `SELECT version, deleted_at IS NOT NULL,
		(SELECT count(*) FROM project_members m WHERE m.project_id = p.id AND m.role = CASE m.user_id WHEN $2 THEN 'editor' WHEN $3 THEN 'commenter' ELSE 'viewer' END)
		FROM projects p WHERE id = $1`, id, tm.editor.ID, tm.commenter.ID).Scan(&version, &inTrash, &members)
	if err != nil {
		t.Fatal(err)
	}
	wantVersion := 1
	if trashed {
		wantVersion = 2
	}
	if version != wantVersion || inTrash != trashed || members != 4 {
		t.Errorf("refused request changed the project: version %d, trashed %v, %d unchanged members", version, inTrash, members)
	}
}

// ignoreTimes leaves the server's timestamps out of a body comparison.
var ignoreTimes = cmpopts.IgnoreFields(project{}, "CreatedAt", "UpdatedAt")

// TestProjectRoutesByRole runs each route of one book as every kind of
// caller against a fresh book: the least role gets through, a member below
// it 403, a stranger 404 (never 403), an anonymous caller 401, and a
// refused request changes nothing.
func TestProjectRoutesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team()
	extra := e.user("extra")
	var id uuid.UUID // the current case's book; the matrix runs one caller at a time
	fresh := func(t *testing.T, c testkit.Caller, least roles.Role, trashed bool) uuid.UUID {
		id = e.book(t, tm, extra)
		if trashed {
			testkit.WantStatus(t, e.c.For(t).Send(http.MethodDelete, path("projects", id), tm.owner.Token, nil), http.StatusNoContent)
		}
		if refused(c, least) {
			t.Cleanup(func() { e.wantUnchanged(t, tm, id, trashed) })
		}
		return id
	}
	wantBook := func(title string, version int) func(*testing.T, testkit.Caller, *testkit.Response) {
		return func(t *testing.T, c testkit.Caller, resp *testkit.Response) {
			var got project
			resp.JSON(t, &got)
			want := project{ID: id, Title: title, Role: string(c.Role), Version: version}
			if d := cmp.Diff(want, got, ignoreTimes); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
			if etag := resp.Header.Get("ETag"); etag != fmt.Sprintf(`"%d"`, version) {
				t.Errorf("ETag = %q, want \"%d\"", etag, version)
			}
		}
	}
	testkit.RunRoleMatrix(t, e.c, tm.callers(), []testkit.RoleCase{
		{Name: "get project", Least: roles.Viewer, OK: http.StatusOK, Check: wantBook("Matrix", 1),
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "GET", Path: path("projects", fresh(t, c, roles.Viewer, false))}
			}},
		{Name: "put project", Least: roles.Editor, OK: http.StatusOK, Check: wantBook("New", 2),
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "PUT", Path: path("projects", fresh(t, c, roles.Editor, false)), Body: map[string]any{"title": "New", "version": 1}}
			}},
		{Name: "patch project", Least: roles.Editor, OK: http.StatusOK, Check: wantBook("New", 2),
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "PATCH", Path: path("projects", fresh(t, c, roles.Editor, false)), Body: map[string]any{"title": "New", "version": 1}}
			}},
		{Name: "delete project", Least: roles.Owner, OK: http.StatusNoContent,
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "DELETE", Path: path("projects", fresh(t, c, roles.Owner, false))}
			},
			Check: func(t *testing.T, _ testkit.Caller, _ *testkit.Response) {
				testkit.WantProblem(t, e.c.For(t).Get(path("projects", id), tm.owner.Token), http.StatusNotFound, "not-found")
			}},
		{Name: "restore live project", Least: roles.Owner, OK: http.StatusConflict,
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				// Nobody's request changes a live book here, the owner's included.
				return testkit.Request{Method: "POST", Path: path("projects", fresh(t, testkit.Caller{}, roles.Owner, false), "restore")}
			},
			Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
				testkit.WantProblem(t, resp, http.StatusConflict, "conflict")
			}},
	})

	// A trashed book exists for its owner alone: members get the 404 a
	// stranger gets, not a 403 that would tell them it is in the trash.
	t.Run("restore trashed project", func(t *testing.T) {
		for _, c := range tm.callers() {
			t.Run(c.Name, func(t *testing.T) {
				id := fresh(t, c, roles.Owner, true)
				resp := e.c.For(t).Do(testkit.Request{Method: "POST", Path: path("projects", id, "restore"), Token: c.Token})
				switch c.Name {
				case "owner":
					testkit.WantStatus(t, resp, http.StatusOK)
					wantBook("Matrix", 3)(t, c, resp)
				case "anonymous":
					testkit.WantProblem(t, resp, http.StatusUnauthorized, "unauthenticated")
				default:
					testkit.WantProblem(t, resp, http.StatusNotFound, "not-found")
				}
			})
		}
	})

	t.Run("collection routes need a user", func(t *testing.T) {
		for _, r := range []testkit.Request{
			{Method: "GET", Path: "/api/v1/projects"},
			{Method: "POST", Path: "/api/v1/projects", Body: map[string]any{"title": "x"}},
			{Method: "GET", Path: "/api/v1/trash"},
			{Method: "GET", Path: "/api/v1/projects", Token: "not-a-token"},
		} {
			testkit.WantProblem(t, e.c.For(t).Do(r), http.StatusUnauthorized, "unauthenticated")
		}
	})
}

// TestGuessedAndInvalidIDs: unknown IDs look exactly like other people's
// projects, and malformed IDs are a 400 naming the parameter.
func TestGuessedAndInvalidIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	bobs := e.createProject(bob.Token, "Bob's secret")
	random := uuid.Must(uuid.NewV7())

	notFound := func(id any) []testkit.Request {
		return []testkit.Request{
			{Method: "GET", Path: path("projects", id)},
			{Method: "PUT", Path: path("projects", id), Body: map[string]any{"title": "x", "version": 1}},
			{Method: "PATCH", Path: path("projects", id), Body: map[string]any{"title": "x", "version": 1}},
			{Method: "DELETE", Path: path("projects", id)},
			{Method: "POST", Path: path("projects", id, "restore")},
			{Method: "GET", Path: path("projects", id, "members")},
			{Method: "POST", Path: path("projects", id, "members"), Body: map[string]any{"email": alice.Email, "role": "viewer"}},
			{Method: "PATCH", Path: path("projects", id, "members", bob.ID), Body: map[string]any{"role": "viewer"}},
			{Method: "DELETE", Path: path("projects", id, "members", bob.ID)},
		}
	}
	var bodies []string
	for _, id := range []uuid.UUID{bobs.ID, random} {
		for _, r := range notFound(id) {
			r.Token = alice.Token
			p := testkit.WantProblem(t, e.c.Do(r), http.StatusNotFound, "not-found")
			bodies = append(bodies, fmt.Sprint(p["title"], p["detail"]))
		}
	}
	// Bob's real project and a random ID answer identically.
	for i := range len(bodies) / 2 {
		if bodies[i] != bodies[i+len(bodies)/2] {
			t.Errorf("existing and random IDs answer differently: %q vs %q", bodies[i], bodies[i+len(bodies)/2])
		}
	}

	for _, bad := range []string{"not-a-uuid", "123", "0190a5b47a2e7c3d9f001b2c3d4e5f60", "%7B0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60%7D"} {
		for _, r := range notFound(bad) {
			r.Token = alice.Token
			p := testkit.WantProblem(t, e.c.Do(r), http.StatusBadRequest, "validation")
			if errs, _ := p["errors"].(map[string]any); errs["project_id"] == nil {
				t.Errorf("%s %s: errors = %v, want project_id", r.Method, r.Path, p["errors"])
			}
		}
		own := e.createProject(alice.Token, "Mine")
		for _, method := range []string{"PATCH", "DELETE"} {
			p := testkit.WantProblem(t, e.c.Send(method, path("projects", own.ID, "members", bad), alice.Token, map[string]any{"role": "viewer"}), http.StatusBadRequest, "validation")
			if errs, _ := p["errors"].(map[string]any); errs["user_id"] == nil {
				t.Errorf("errors = %v, want user_id", p["errors"])
			}
		}
	}
}

func TestCreateAndGetProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")

	resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{
		"title": "  The Long Winter  ", "description": "A saga.\nIn two parts.", "genre": "Fantasy", "target_word_count": 90000,
	})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var p project
	resp.JSON(t, &p)
	if p.Title != "The Long Winter" || p.Description != "A saga.\nIn two parts." || p.Genre != "Fantasy" ||
		p.TargetWordCount == nil || *p.TargetWordCount != 90000 || p.Role != "owner" || p.Version != 1 || p.WordCount != 0 {
		t.Fatalf("created project = %+v", p)
	}
	if p.ID.Version() != 7 {
		t.Errorf("id %s is UUID version %d, want 7", p.ID, p.ID.Version())
	}
	if got := resp.Header.Get("Location"); got != "/api/v1/projects/"+p.ID.String() {
		t.Errorf("Location = %q", got)
	}
	if got := resp.Header.Get("ETag"); got != `"1"` {
		t.Errorf("ETag = %q, want \"1\"", got)
	}
	for _, ts := range []string{p.CreatedAt, p.UpdatedAt} {
		if tm, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") || time.Since(tm) > time.Minute {
			t.Errorf("timestamp %q is not a recent RFC 3339 UTC time", ts)
		}
	}
	// Word counts come from the live chapters only.
	e.addChapter(p.ID, 1200, false)
	e.addChapter(p.ID, 800, false)
	e.addChapter(p.ID, 5000, true)

	resp, got := e.getProject(alice.Token, p.ID)
	testkit.WantStatus(t, resp, http.StatusOK)
	if got.WordCount != 2000 || got.Title != "The Long Winter" || got.Role != "owner" {
		t.Fatalf("get = %+v", got)
	}
	if resp.Header.Get("ETag") != `"1"` {
		t.Errorf("ETag = %q", resp.Header.Get("ETag"))
	}

	// Defaults: only a title.
	min := e.createProject(alice.Token, "Untitled")
	if min.Description != "" || min.Genre != "" || min.TargetWordCount != nil {
		t.Fatalf("defaults = %+v", min)
	}
	if !strings.Contains(string(e.c.Get(path("projects", min.ID), alice.Token).Body), `"target_word_count":null`) {
		t.Error("target_word_count must be present as null when unset")
	}
}

func TestCreateProjectValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	cases := []struct {
		name      string
		body      any
		status    int
		slug      string
		wantField string
	}{
		{"missing title", `{"description":"x"}`, 400, "validation", "title"},
		{"null title", `{"title":null}`, 400, "validation", "title"},
		{"blank title", `{"title":"   "}`, 400, "validation", "title"},
		{"title too long", map[string]any{"title": strings.Repeat("é", 201)}, 400, "validation", "title"},
		{"title with line break", `{"title":"a\nb"}`, 400, "validation", "title"},
		{"title with NUL", `{"title":"a\u0000b"}`, 400, "validation", "title"},
		{"title not a string", `{"title":42}`, 400, "validation", "title"},
		{"description too long", map[string]any{"title": "t", "description": strings.Repeat("x", 5001)}, 400, "validation", "description"},
		{"description with NUL", `{"title":"t","description":"a\u0000"}`, 400, "validation", "description"},
		{"genre too long", map[string]any{"title": "t", "genre": strings.Repeat("g", 101)}, 400, "validation", "genre"},
		{"target zero", `{"title":"t","target_word_count":0}`, 400, "validation", "target_word_count"},
		{"target negative", `{"title":"t","target_word_count":-5}`, 400, "validation", "target_word_count"},
		{"target too big", `{"title":"t","target_word_count":10000001}`, 400, "validation", "target_word_count"},
		{"target beyond int32", `{"title":"t","target_word_count":99999999999}`, 400, "validation", "target_word_count"},
		{"target fractional", `{"title":"t","target_word_count":1.5}`, 400, "validation", "target_word_count"},
		{"unknown field", `{"title":"t","owner_id":"x"}`, 400, "validation", "owner_id"},
		{"version on create", `{"title":"t","version":3}`, 400, "validation", "version"},
		{"malformed JSON", `{"title":`, 400, "malformed-json", ""},
		{"two values", `{"title":"a"}{"title":"b"}`, 400, "malformed-json", ""},
		{"array body", `[]`, 400, "malformed-json", ""},
		{"empty body", ``, 400, "malformed-json", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, tc.body)
			p := testkit.WantProblem(t, resp, tc.status, tc.slug)
			if tc.wantField != "" {
				errs, _ := p["errors"].(map[string]any)
				if _, ok := errs[tc.wantField]; !ok {
					t.Fatalf("errors = %v, want a problem for %q", p["errors"], tc.wantField)
				}
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		t.Parallel()
		resp := e.c.Do(testkit.Request{Method: http.MethodPost, Path: "/api/v1/projects", Token: alice.Token,
			Body: `{"title":"t"}`, Header: http.Header{"Content-Type": {"text/plain"}}})
		testkit.WantProblem(t, resp, http.StatusUnsupportedMediaType, "unsupported-media-type")
	})
	t.Run("limits are inclusive", func(t *testing.T) {
		t.Parallel()
		resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{
			"title": strings.Repeat("語", 200), "description": strings.Repeat("ß", 5000),
			"genre": strings.Repeat("g", 100), "target_word_count": 10_000_000,
		})
		testkit.WantStatus(t, resp, http.StatusCreated)
		resp = e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{"title": "t", "target_word_count": 1})
		testkit.WantStatus(t, resp, http.StatusCreated)
	})
	// None of the refused requests wrote anything.
	t.Cleanup(func() {
		var n int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM projects`).Scan(&n); err != nil || n != 2 {
			t.Errorf("projects in the table = %d (%v), want only the 2 valid ones", n, err)
		}
	})
}

func TestProjectsPerOwnerLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	// 998 live books and one in the trash: the trash counts.
	e.exec(`INSERT INTO projects (owner_id, title) SELECT $1, 'Book ' || g FROM generate_series(1, 998) g`, alice.ID)
	e.exec(`INSERT INTO projects (owner_id, title, deleted_at) VALUES ($1, 'Trashed', now())`, alice.ID)
	e.createProject(alice.Token, "The thousandth")
	resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{"title": "One too many"})
	testkit.WantProblem(t, resp, http.StatusConflict, "conflict")
	// Someone else is not affected.
	e.createProject(e.user("bob").Token, "Bob's first")
}

func TestListProjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")

	var own []project
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		own = append(own, e.createProject(alice.Token, title))
	}
	shared := e.createProject(bob.Token, "Bob's book")
	e.addMember(bob.Token, shared.ID, alice.Email, "viewer")
	e.createProject(bob.Token, "Bob's private book")
	e.createProject(carol.Token, "Carol's book")
	gone := e.createProject(alice.Token, "Deleted")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, path("projects", gone.ID), alice.Token, nil), http.StatusNoContent)
	e.addChapter(own[0].ID, 300, false)
	e.addChapter(shared.ID, 40, false)

	// Touch "Two" so it becomes the most recently updated.
	resp := e.c.Send(http.MethodPatch, path("projects", own[1].ID), alice.Token, map[string]any{"genre": "Noir", "version": 1})
	testkit.WantStatus(t, resp, http.StatusOK)

	var all []project
	cursor, pages := "", 0
	for {
		url := "/api/v1/projects?limit=2"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		resp := e.c.Get(url, alice.Token)
		testkit.WantStatus(t, resp, http.StatusOK)
		var pg pageOf[project]
		resp.JSON(t, &pg)
		all = append(all, pg.Items...)
		pages++
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(all) != 6 || pages != 3 {
		t.Fatalf("got %d projects over %d pages, want 6 over 3", len(all), pages)
	}
	if all[0].ID != own[1].ID {
		t.Errorf("first = %q, want the just-updated %q", all[0].Title, own[1].Title)
	}
	seen := map[uuid.UUID]bool{}
	for i, p := range all {
		if seen[p.ID] {
			t.Errorf("%q listed twice", p.Title)
		}
		seen[p.ID] = true
		if i > 0 && all[i-1].UpdatedAt < p.UpdatedAt {
			t.Errorf("not newest first at %d: %s before %s", i, all[i-1].UpdatedAt, p.UpdatedAt)
		}
		want := "owner"
		if p.ID == shared.ID {
			want = "viewer"
		}
		if p.Role != want {
			t.Errorf("%q role = %q, want %q", p.Title, p.Role, want)
		}
		switch p.ID {
		case own[0].ID:
			if p.WordCount != 300 {
				t.Errorf("word_count of %q = %d, want 300", p.Title, p.WordCount)
			}
		case shared.ID:
			if p.WordCount != 40 {
				t.Errorf("word_count of %q = %d, want 40", p.Title, p.WordCount)
			}
		case gone.ID:
			t.Error("a trashed project is listed")
		}
	}
	if !seen[shared.ID] {
		t.Error("the project shared with alice is missing")
	}

	// Carol sees only her own book; an empty list is [] not null.
	resp = e.c.Get("/api/v1/projects", e.user("dave").Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	if strings.TrimSpace(string(resp.Body)) != `{"items":[]}` {
		t.Errorf("empty list body = %s", resp.Body)
	}

	// A cursor from alice's list means nothing in carol's.
	first := e.c.Get("/api/v1/projects?limit=1", alice.Token)
	var pg pageOf[project]
	first.JSON(t, &pg)
	bad := []struct{ name, url, token, slug string }{
		{"tampered cursor", "/api/v1/projects?cursor=" + pg.NextCursor + "x", alice.Token, "invalid-cursor"},
		{"garbage cursor", "/api/v1/projects?cursor=abc", alice.Token, "invalid-cursor"},
		{"someone else's cursor", "/api/v1/projects?cursor=" + pg.NextCursor, carol.Token, "invalid-cursor"},
		{"limit zero", "/api/v1/projects?limit=0", alice.Token, "validation"},
		{"limit too big", "/api/v1/projects?limit=201", alice.Token, "validation"},
		{"limit not a number", "/api/v1/projects?limit=ten", alice.Token, "validation"},
		{"limit twice", "/api/v1/projects?limit=1&limit=2", alice.Token, "invalid-request"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			testkit.WantProblem(t, e.c.Get(tc.url, tc.token), http.StatusBadRequest, tc.slug)
		})
	}
}

func TestReplaceAndPatchProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	p := e.createProject(alice.Token, "Draft")
	url := path("projects", p.ID)

	// PUT replaces every editable field: what is absent becomes empty.
	resp := e.c.Send(http.MethodPut, url, alice.Token, map[string]any{
		"title": "Final", "description": "About a lighthouse.", "genre": "Literary", "target_word_count": 80000, "version": 1,
	})
	testkit.WantStatus(t, resp, http.StatusOK)
	var got project
	resp.JSON(t, &got)
	if got.Title != "Final" || got.Description != "About a lighthouse." || got.Genre != "Literary" ||
		got.TargetWordCount == nil || *got.TargetWordCount != 80000 || got.Version != 2 || got.Role != "owner" {
		t.Fatalf("after PUT = %+v", got)
	}
	if resp.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag = %q, want \"2\"", resp.Header.Get("ETag"))
	}
	resp = e.c.Do(testkit.Request{Method: http.MethodPut, Path: url, Token: alice.Token,
		Body: map[string]any{"title": "Final"}, Header: http.Header{"If-Match": {`"2"`}}})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if got.Description != "" || got.Genre != "" || got.TargetWordCount != nil || got.Version != 3 {
		t.Fatalf("PUT without optional fields must clear them: %+v", got)
	}

	// PATCH keeps absent fields and clears null ones.
	resp = e.c.Send(http.MethodPatch, url, alice.Token, map[string]any{"description": "Kept", "genre": "Horror", "target_word_count": 5000, "version": 3})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp = e.c.Do(testkit.Request{Method: http.MethodPatch, Path: url, Token: alice.Token,
		Body: `{"target_word_count":null,"genre":null}`, Header: http.Header{"If-Match": {`W/"4"`}}})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if got.Title != "Final" || got.Description != "Kept" || got.Genre != "" || got.TargetWordCount != nil || got.Version != 5 {
		t.Fatalf("after PATCH = %+v", got)
	}

	// Stale versions change nothing.
	stale := []struct {
		name   string
		method string
		body   any
		ifm    string
	}{
		{"PUT stale body version", http.MethodPut, map[string]any{"title": "X", "version": 4}, ""},
		{"PUT stale If-Match", http.MethodPut, map[string]any{"title": "X"}, `"4"`},
		{"PATCH stale body version", http.MethodPatch, map[string]any{"title": "X", "version": 1}, ""},
		{"PATCH stale If-Match", http.MethodPatch, map[string]any{"title": "X"}, `"1", "2"`},
		{"PATCH If-Match current, body stale", http.MethodPatch, map[string]any{"title": "X", "version": 4}, `"5"`},
		{"PATCH foreign entity tag", http.MethodPatch, map[string]any{"title": "X"}, `"abc"`},
		{"PATCH future version", http.MethodPatch, map[string]any{"title": "X", "version": 99}, ""},
		{"DELETE stale If-Match", http.MethodDelete, nil, `"4"`},
	}
	for _, tc := range stale {
		req := testkit.Request{Method: tc.method, Path: url, Token: alice.Token, Body: tc.body}
		if tc.ifm != "" {
			req.Header = http.Header{"If-Match": {tc.ifm}}
		}
		testkit.WantProblem(t, e.c.Do(req), http.StatusPreconditionFailed, "stale-version")
	}
	bad := []struct {
		name, method, ifm, slug string
		body                    any
	}{
		{"PUT without any version", http.MethodPut, "", "validation", map[string]any{"title": "X"}},
		{"PATCH without any version", http.MethodPatch, "", "validation", map[string]any{"title": "X"}},
		{"malformed If-Match", http.MethodPatch, "5", "validation", map[string]any{"title": "X"}},
		{"version zero", http.MethodPatch, "", "validation", map[string]any{"title": "X", "version": 0}},
		{"version null", http.MethodPatch, "", "validation", `{"title":"X","version":null}`},
		{"version a string", http.MethodPatch, "", "validation", `{"title":"X","version":"5"}`},
		{"PATCH title null", http.MethodPatch, "", "validation", `{"title":null,"version":5}`},
		{"PATCH title blank", http.MethodPatch, "", "validation", `{"title":" ","version":5}`},
		{"PATCH target a string", http.MethodPatch, "", "validation", `{"target_word_count":"many","version":5}`},
		{"PATCH target too big", http.MethodPatch, "", "validation", `{"target_word_count":10000001,"version":5}`},
		{"PATCH unknown field", http.MethodPatch, "", "validation", `{"role":"owner","version":5}`},
		{"PATCH nothing to change", http.MethodPatch, "", "invalid-request", `{"version":5}`},
		{"PUT missing title", http.MethodPut, "", "validation", `{"version":5}`},
		{"PUT description too long", http.MethodPut, "", "validation", map[string]any{"title": "X", "version": 5, "description": strings.Repeat("d", 5001)}},
	}
	for _, tc := range bad {
		req := testkit.Request{Method: tc.method, Path: url, Token: alice.Token, Body: tc.body}
		if tc.ifm != "" {
			req.Header = http.Header{"If-Match": {tc.ifm}}
		}
		resp := e.c.Do(req)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400; body %s", tc.name, resp.StatusCode, resp.Body)
			continue
		}
		testkit.WantProblem(t, resp, http.StatusBadRequest, tc.slug)
	}
	_, after := e.getProject(alice.Token, p.ID)
	if after.Version != 5 || after.Title != "Final" {
		t.Fatalf("refused writes changed the project: %+v", after)
	}

	// If-Match: * states "whatever is current".
	resp = e.c.Do(testkit.Request{Method: http.MethodPatch, Path: url, Token: alice.Token,
		Body: map[string]any{"title": "Starred"}, Header: http.Header{"If-Match": {"*"}}})
	testkit.WantStatus(t, resp, http.StatusOK)
}

func TestTrashAndRestore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	p := e.createProject(alice.Token, "Moving house")
	e.addMember(alice.Token, p.ID, bob.Email, "editor")
	e.addChapter(p.ID, 123, false)
	url := path("projects", p.ID)

	testkit.WantStatus(t, e.c.Send(http.MethodDelete, url, alice.Token, nil), http.StatusNoContent)

	// Gone for everyone, including through the access check.
	for _, tok := range []string{alice.Token, bob.Token} {
		testkit.WantProblem(t, e.c.Get(url, tok), http.StatusNotFound, "not-found")
		testkit.WantProblem(t, e.c.Get(url+"/members", tok), http.StatusNotFound, "not-found")
		testkit.WantProblem(t, e.c.Send(http.MethodPatch, url, tok, map[string]any{"title": "x", "version": 2}), http.StatusNotFound, "not-found")
	}
	if role, err := e.mod.Access().Role(context.Background(), alice.ID, p.ID); err != access.ErrNotFound {
		t.Errorf("Access.Role of a trashed project = %q, %v; want access.ErrNotFound", role, err)
	}
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, url, alice.Token, nil), http.StatusNotFound, "not-found")

	// Only the owner sees it in the trash.
	var trash pageOf[project]
	resp := e.c.Get("/api/v1/trash", alice.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &trash)
	if len(trash.Items) != 1 || trash.Items[0].ID != p.ID || trash.Items[0].WordCount != 123 || trash.Items[0].Version != 2 {
		t.Fatalf("trash = %+v", trash.Items)
	}
	deleted, err1 := time.Parse(time.RFC3339Nano, trash.Items[0].DeletedAt)
	purge, err2 := time.Parse(time.RFC3339Nano, trash.Items[0].PurgeAfter)
	if err1 != nil || err2 != nil || purge.Sub(deleted) != projects.TrashRetention {
		t.Errorf("deleted_at %q, purge_after %q: want 30 days apart", trash.Items[0].DeletedAt, trash.Items[0].PurgeAfter)
	}
	resp = e.c.Get("/api/v1/trash", bob.Token)
	trash = pageOf[project]{}
	resp.JSON(t, &trash)
	if len(trash.Items) != 0 {
		t.Fatalf("bob's trash shows alice's project: %s", resp.Body)
	}
	var list pageOf[project]
	e.c.Get("/api/v1/projects", alice.Token).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a trashed project is listed: %+v", list.Items)
	}

	// A member of the trashed project cannot restore it or learn it exists.
	testkit.WantProblem(t, e.c.Send(http.MethodPost, url+"/restore", bob.Token, nil), http.StatusNotFound, "not-found")

	resp = e.c.Send(http.MethodPost, url+"/restore", alice.Token, nil)
	testkit.WantStatus(t, resp, http.StatusOK)
	var restored project
	resp.JSON(t, &restored)
	if restored.Version != 3 || restored.Title != "Moving house" || restored.WordCount != 123 || resp.Header.Get("ETag") != `"3"` {
		t.Fatalf("restored = %+v, ETag %q", restored, resp.Header.Get("ETag"))
	}
	// Membership survives the trash.
	resp, got := e.getProject(bob.Token, p.ID)
	testkit.WantStatus(t, resp, http.StatusOK)
	if got.Role != "editor" {
		t.Errorf("bob's role after restore = %q", got.Role)
	}
	// Restoring a live project is a conflict for the owner, forbidden for members.
	testkit.WantProblem(t, e.c.Send(http.MethodPost, url+"/restore", alice.Token, nil), http.StatusConflict, "conflict")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, url+"/restore", bob.Token, nil), http.StatusForbidden, "forbidden")
}
