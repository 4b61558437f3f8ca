package projects_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestMemberRoutesByRole runs each member route as every kind of caller
// against a fresh book, as TestProjectRoutesByRole does for the book's own
// routes.
func TestMemberRoutesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team()
	extra, newbie := e.user("extra"), e.user("newbie")
	var id uuid.UUID // the current case's book; the matrix runs one caller at a time
	fresh := func(t *testing.T, c testkit.Caller, least roles.Role) uuid.UUID {
		id = e.book(t, tm, extra)
		if refused(c, least) {
			t.Cleanup(func() { e.wantUnchanged(t, tm, id, false) })
		}
		return id
	}
	owner := tm.owner.ID
	person := func(u testkit.TestUser, role string, addedBy *uuid.UUID) member {
		return member{UserID: u.ID, Email: u.Email, FullName: u.Email[:len(u.Email)-len("@example.test")], Role: role, AddedBy: addedBy}
	}
	ignoreAdded := cmpopts.IgnoreFields(member{}, "AddedAt")
	wantMember := func(want member) func(*testing.T, testkit.Caller, *testkit.Response) {
		return func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
			var got member
			resp.JSON(t, &got)
			if d := cmp.Diff(want, got, ignoreAdded); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
		}
	}
	testkit.RunRoleMatrix(t, e.c, tm.callers(), []testkit.RoleCase{
		{Name: "list members", Least: roles.Viewer, OK: http.StatusOK,
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "GET", Path: path("projects", fresh(t, c, roles.Viewer), "members")}
			},
			Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
				var got pageOf[member]
				resp.JSON(t, &got)
				want := pageOf[member]{Items: []member{
					person(tm.owner, "owner", nil), person(tm.editor, "editor", &owner), person(tm.commenter, "commenter", &owner),
					person(tm.viewer, "viewer", &owner), person(extra, "viewer", &owner),
				}}
				if d := cmp.Diff(want, got, ignoreAdded); d != "" {
					t.Errorf("members (-want +got):\n%s", d)
				}
			}},
		{Name: "add member", Least: roles.Owner, OK: http.StatusCreated, Check: wantMember(person(newbie, "viewer", &owner)),
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "POST", Path: path("projects", fresh(t, c, roles.Owner), "members"),
					Body: map[string]any{"email": newbie.Email, "role": "viewer"}}
			}},
		{Name: "change a member's role", Least: roles.Owner, OK: http.StatusOK, Check: wantMember(person(extra, "editor", &owner)),
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "PATCH", Path: path("projects", fresh(t, c, roles.Owner), "members", extra.ID),
					Body: map[string]any{"role": "editor"}}
			}},
		{Name: "remove a member", Least: roles.Owner, OK: http.StatusNoContent,
			Request: func(t *testing.T, c testkit.Caller) testkit.Request {
				return testkit.Request{Method: "DELETE", Path: path("projects", fresh(t, c, roles.Owner), "members", extra.ID)}
			},
			Check: func(t *testing.T, _ testkit.Caller, _ *testkit.Response) {
				testkit.WantProblem(t, e.c.For(t).Get(path("projects", id), extra.Token), http.StatusNotFound, "not-found")
			}},
	})

	// Leaving is removing oneself: every member may, the owner may not
	// (409: delete the book instead).
	t.Run("leave", func(t *testing.T) {
		want := map[string]int{"owner": 409, "editor": 204, "commenter": 204, "viewer": 204, "stranger": 404, "anonymous": 401}
		for _, c := range tm.callers() {
			t.Run(c.Name, func(t *testing.T) {
				id := fresh(t, c, roles.Viewer)
				if c.Name == "owner" {
					t.Cleanup(func() { e.wantUnchanged(t, tm, id, false) })
				}
				resp := e.c.For(t).Do(testkit.Request{Method: "DELETE", Path: path("projects", id, "members", tm.as(c).ID), Token: c.Token})
				testkit.WantStatus(t, resp, want[c.Name])
				if want[c.Name] == http.StatusNoContent {
					testkit.WantProblem(t, e.c.For(t).Get(path("projects", id), c.Token), http.StatusNotFound, "not-found")
				} else {
					resp.Problem(t)
				}
			})
		}
	})
}

func TestMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	p := e.createProject(alice.Token, "Anthology")
	members := path("projects", p.ID, "members")

	// Emails are matched the way login matches them.
	resp := e.c.Send(http.MethodPost, members, alice.Token, map[string]any{"email": "  BOB@example.test ", "role": "viewer"})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var m member
	resp.JSON(t, &m)
	if m.UserID != bob.ID || m.Email != bob.Email || m.FullName != "bob" || m.Role != "viewer" || m.AddedBy == nil || *m.AddedBy != alice.ID || m.AddedAt == "" {
		t.Fatalf("added member = %+v", m)
	}
	if got := resp.Header.Get("Location"); got != members+"/"+bob.ID.String() {
		t.Errorf("Location = %q", got)
	}
	e.addMember(alice.Token, p.ID, carol.Email, "commenter")

	// Bob (viewer) reads but cannot write.
	resp, got := e.getProject(bob.Token, p.ID)
	testkit.WantStatus(t, resp, http.StatusOK)
	if got.Role != "viewer" {
		t.Fatalf("bob's role = %q", got.Role)
	}
	testkit.WantProblem(t, e.c.Send(http.MethodPatch, path("projects", p.ID), bob.Token, map[string]any{"title": "Mine", "version": 1}), http.StatusForbidden, "forbidden")

	// Promote bob; now he can edit.
	resp = e.c.Send(http.MethodPatch, members+"/"+bob.ID.String(), alice.Token, map[string]any{"role": "editor"})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &m)
	if m.Role != "editor" || m.Email != bob.Email {
		t.Fatalf("promoted = %+v", m)
	}
	testkit.WantStatus(t, e.c.Send(http.MethodPatch, path("projects", p.ID), bob.Token, map[string]any{"title": "Ours", "version": 1}), http.StatusOK)

	// The list: owner first, then members in the order they were added.
	var list pageOf[member]
	resp = e.c.Get(members, carol.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &list)
	if len(list.Items) != 3 || list.Items[0].UserID != alice.ID || list.Items[0].Role != "owner" || list.Items[0].Email != alice.Email ||
		list.Items[1].UserID != bob.ID || list.Items[2].UserID != carol.ID || list.Items[2].Role != "commenter" {
		t.Fatalf("members = %s", resp.Body)
	}
	// Paginated one at a time, the same people in the same order.
	var paged []member
	cursor := ""
	for range 5 {
		u := members + "?limit=1"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		var pg pageOf[member]
		resp := e.c.Get(u, alice.Token)
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &pg)
		paged = append(paged, pg.Items...)
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	if len(paged) != 3 || paged[0].UserID != alice.ID || paged[2].UserID != carol.ID {
		t.Fatalf("paged members = %+v", paged)
	}
	// A cursor of one project's member list is refused by another's.
	other := e.createProject(alice.Token, "Other")
	var first pageOf[member]
	e.c.Get(members+"?limit=1", alice.Token).JSON(t, &first)
	testkit.WantProblem(t, e.c.Get(path("projects", other.ID, "members")+"?cursor="+first.NextCursor, alice.Token), http.StatusBadRequest, "invalid-cursor")

	// Refusals, none of which changes anything.
	dave := e.user("dave")
	authtest.Disable(t, e.pool, dave.ID)
	bad := []struct {
		name   string
		body   any
		status int
		slug   string
	}{
		{"already a member", map[string]any{"email": bob.Email, "role": "viewer"}, 409, "conflict"},
		{"the owner", map[string]any{"email": alice.Email, "role": "editor"}, 409, "conflict"},
		{"unknown email", map[string]any{"email": "nobody@example.test", "role": "viewer"}, 404, "not-found"},
		{"disabled account", map[string]any{"email": dave.Email, "role": "viewer"}, 404, "not-found"},
		{"role owner", map[string]any{"email": "x@example.test", "role": "owner"}, 400, "validation"},
		{"role unknown", map[string]any{"email": "x@example.test", "role": "admin"}, 400, "validation"},
		{"role wrong case", map[string]any{"email": "x@example.test", "role": "Editor"}, 400, "validation"},
		{"role missing", map[string]any{"email": "x@example.test"}, 400, "validation"},
		{"email missing", map[string]any{"role": "viewer"}, 400, "validation"},
		{"unknown field", map[string]any{"email": "x@example.test", "role": "viewer", "user_id": bob.ID}, 400, "validation"},
	}
	for _, tc := range bad {
		resp := e.c.Send(http.MethodPost, members, alice.Token, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, resp.StatusCode, tc.status, resp.Body)
			continue
		}
		testkit.WantProblem(t, resp, tc.status, tc.slug)
	}
	unknown := e.c.Send(http.MethodPost, members, alice.Token, map[string]any{"email": "nobody@example.test", "role": "viewer"}).Problem(t)
	if errs, _ := unknown["errors"].(map[string]any); errs["email"] == nil {
		t.Errorf("unknown email problem has no email field error: %v", unknown)
	}

	testkit.WantProblem(t, e.c.Send(http.MethodPatch, members+"/"+alice.ID.String(), alice.Token, map[string]any{"role": "viewer"}), http.StatusConflict, "conflict")
	testkit.WantProblem(t, e.c.Send(http.MethodPatch, members+"/"+dave.ID.String(), alice.Token, map[string]any{"role": "viewer"}), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodPatch, members+"/"+bob.ID.String(), alice.Token, map[string]any{"role": "owner"}), http.StatusBadRequest, "validation")
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, members+"/"+alice.ID.String(), alice.Token, nil), http.StatusConflict, "conflict")
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, members+"/"+alice.ID.String(), bob.Token, nil), http.StatusForbidden, "forbidden")
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, members+"/"+dave.ID.String(), alice.Token, nil), http.StatusNotFound, "not-found")
	// Bob is a member of "Anthology", not of "Other": no cross-project guessing.
	testkit.WantProblem(t, e.c.Send(http.MethodPatch, path("projects", other.ID, "members", bob.ID), alice.Token, map[string]any{"role": "viewer"}), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, path("projects", other.ID, "members", bob.ID), alice.Token, nil), http.StatusNotFound, "not-found")

	var count int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM project_members WHERE project_id = $1`, p.ID).Scan(&count)
	if count != 2 {
		t.Fatalf("%d members after refused requests, want 2", count)
	}

	// Carol leaves; afterwards the project is invisible to her.
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, members+"/"+carol.ID.String(), carol.Token, nil), http.StatusNoContent)
	testkit.WantProblem(t, e.c.Get(path("projects", p.ID), carol.Token), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, members+"/"+carol.ID.String(), carol.Token, nil), http.StatusNotFound, "not-found")
	// The owner removes bob.
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, members+"/"+bob.ID.String(), alice.Token, nil), http.StatusNoContent)
	testkit.WantProblem(t, e.c.Get(path("projects", p.ID), bob.Token), http.StatusNotFound, "not-found")
}

func TestMembersPerProjectLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	p := e.createProject(alice.Token, "Crowded")
	e.exec(`INSERT INTO project_members (project_id, user_id, role) SELECT $1, u, 'viewer' FROM unnest($2::uuid[]) u`,
		p.ID, authtest.Users(t, e.pool, "m", 49))
	e.addMember(alice.Token, p.ID, e.user("fiftieth").Email, "viewer")
	resp := e.c.Send(http.MethodPost, path("projects", p.ID, "members"), alice.Token, map[string]any{"email": e.user("extra").Email, "role": "viewer"})
	testkit.WantProblem(t, resp, http.StatusConflict, "conflict")

	// The full list (owner + 50) fits in one page of 51.
	var list pageOf[member]
	e.c.Get(path("projects", p.ID, "members")+"?limit=51", alice.Token).JSON(t, &list)
	if len(list.Items) != 51 || list.NextCursor != "" {
		t.Fatalf("%d members listed (next %q), want 51", len(list.Items), list.NextCursor)
	}
}

// Without the user directory (the auth module) members cannot be added,
// and the answer says so without a 500.
func TestDependencyFailures(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(d *projects.Deps) { d.Users = nil })
	alice := e.user("alice")
	p := e.createProject(alice.Token, "Fragile")

	// Without a user directory members cannot be added, but can be listed.
	testkit.WantProblem(t, e.c.Send(http.MethodPost, path("projects", p.ID, "members"), alice.Token,
		map[string]any{"email": "bob@example.test", "role": "viewer"}), http.StatusServiceUnavailable, "unavailable")
	var list pageOf[member]
	resp := e.c.Get(path("projects", p.ID, "members"), alice.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].UserID != alice.ID || list.Items[0].Email != "" {
		t.Fatalf("members without a directory = %s", resp.Body)
	}
}
