package projects_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestPermissionMatrix runs every route as every kind of caller against a
// fresh project and checks the status, and that a refused request changed
// nothing. Non-members always get 404, never 403.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, editor, commenter, viewer, extra, stranger, newbie :=
		e.user("owner"), e.user("editor"), e.user("commenter"), e.user("viewer"), e.user("extra"), e.user("stranger"), e.user("newbie")
	callers := map[string]testkit.TestUser{
		"owner": owner, "editor": editor, "commenter": commenter, "viewer": viewer, "stranger": stranger, "anonymous": {},
	}

	type fixture struct{ id uuid.UUID }
	setup := func(t *testing.T, trashed bool) fixture {
		p := e.createProject(owner.Token, "Matrix")
		e.addMember(owner.Token, p.ID, editor.Email, "editor")
		e.addMember(owner.Token, p.ID, commenter.Email, "commenter")
		e.addMember(owner.Token, p.ID, viewer.Email, "viewer")
		e.addMember(owner.Token, p.ID, extra.Email, "viewer")
		if trashed {
			testkit.WantStatus(t, e.c.Send(http.MethodDelete, path("projects", p.ID), owner.Token, nil), http.StatusNoContent)
		}
		return fixture{p.ID}
	}
	// [owner, editor, commenter, viewer, stranger, anonymous]
	order := []string{"owner", "editor", "commenter", "viewer", "stranger", "anonymous"}
	routes := []struct {
		name    string
		method  string
		path    func(f fixture, caller testkit.TestUser) string
		body    any
		trashed bool
		want    [6]int
	}{
		{"get project", "GET", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id) }, nil, false,
			[6]int{200, 200, 200, 200, 404, 401}},
		{"put project", "PUT", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id) }, map[string]any{"title": "New", "version": 1}, false,
			[6]int{200, 200, 403, 403, 404, 401}},
		{"patch project", "PATCH", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id) }, map[string]any{"title": "New", "version": 1}, false,
			[6]int{200, 200, 403, 403, 404, 401}},
		{"delete project", "DELETE", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id) }, nil, false,
			[6]int{204, 403, 403, 403, 404, 401}},
		{"restore trashed project", "POST", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id, "restore") }, nil, true,
			[6]int{200, 404, 404, 404, 404, 401}},
		{"restore live project", "POST", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id, "restore") }, nil, false,
			[6]int{409, 403, 403, 403, 404, 401}},
		{"list members", "GET", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id, "members") }, nil, false,
			[6]int{200, 200, 200, 200, 404, 401}},
		{"add member", "POST", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id, "members") }, map[string]any{"email": newbie.Email, "role": "viewer"}, false,
			[6]int{201, 403, 403, 403, 404, 401}},
		{"change a member's role", "PATCH", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id, "members", extra.ID) }, map[string]any{"role": "editor"}, false,
			[6]int{200, 403, 403, 403, 404, 401}},
		{"remove a member", "DELETE", func(f fixture, _ testkit.TestUser) string { return path("projects", f.id, "members", extra.ID) }, nil, false,
			[6]int{204, 403, 403, 403, 404, 401}},
		{"leave", "DELETE", func(f fixture, c testkit.TestUser) string { return path("projects", f.id, "members", c.ID) }, nil, false,
			[6]int{409, 204, 204, 204, 404, 401}},
	}
	for _, rt := range routes {
		for i, who := range order {
			t.Run(fmt.Sprintf("%s as %s", rt.name, who), func(t *testing.T) {
				t.Parallel()
				f := setup(t, rt.trashed)
				caller := callers[who]
				resp := e.c.Do(testkit.Request{Method: rt.method, Path: rt.path(f, caller), Token: caller.Token, Body: rt.body})
				want := rt.want[i]
				if resp.StatusCode != want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, resp.Body)
				}
				if want < 400 {
					return
				}
				resp.Problem(t)
				// Nothing changed: same version, same trash state, same members.
				var version, members int
				var inTrash bool
				err := e.pool.QueryRow(context.Background(), `SELECT version, deleted_at IS NOT NULL,
					(SELECT count(*) FROM project_members m WHERE m.project_id = p.id AND m.role = CASE m.user_id WHEN $2 THEN 'editor' WHEN $3 THEN 'commenter' ELSE 'viewer' END)
					FROM projects p WHERE id = $1`, f.id, editor.ID, commenter.ID).Scan(&version, &inTrash, &members)
				if err != nil {
					t.Fatal(err)
				}
				wantVersion := 1
				if rt.trashed {
					wantVersion = 2
				}
				if version != wantVersion || inTrash != rt.trashed || members != 4 {
					t.Fatalf("refused request changed the project: version %d, trashed %v, %d unchanged members", version, inTrash, members)
				}
			})
		}
	}

	t.Run("collection routes need a user", func(t *testing.T) {
		t.Parallel()
		for _, r := range []testkit.Request{
			{Method: "GET", Path: "/api/v1/projects"},
			{Method: "POST", Path: "/api/v1/projects", Body: map[string]any{"title": "x"}},
			{Method: "GET", Path: "/api/v1/trash"},
			{Method: "GET", Path: "/api/v1/projects", Token: "not-a-token"},
		} {
			testkit.WantProblem(t, e.c.Do(r), http.StatusUnauthorized, "unauthenticated")
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
