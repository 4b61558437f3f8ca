package projects_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/testkit"
)

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
	e.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, dave.ID)
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
	e.exec(`WITH u AS (
		INSERT INTO users (email, email_canonical, password_hash)
		SELECT 'm' || g || '@example.test', 'm' || g || '@example.test', '!' FROM generate_series(1, 49) g
		RETURNING id)
		INSERT INTO project_members (project_id, user_id, role) SELECT $1, id, 'viewer' FROM u`, p.ID)
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

// Adding members looks emails up, so it is rate limited per owner (in
// Redis): a user cannot make a project and test addresses in bulk.
func TestMemberAddRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(d *projects.Deps) { d.MemberAddsPerHour = 3 })
	alice, bob, mallory := e.user("alice"), e.user("bob"), e.user("mallory")
	p := e.createProject(alice.Token, "Limited")
	members := path("projects", p.ID, "members")

	// Requests refused before the lookup (not the owner, invalid body) do
	// not spend the owner's allowance.
	testkit.WantProblem(t, e.c.Send(http.MethodPost, members, mallory.Token, map[string]any{"email": bob.Email, "role": "viewer"}), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, members, alice.Token, map[string]any{"email": bob.Email, "role": "boss"}), http.StatusBadRequest, "validation")

	testkit.WantProblem(t, e.c.Send(http.MethodPost, members, alice.Token, map[string]any{"email": "a@example.test", "role": "viewer"}), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, members, alice.Token, map[string]any{"email": "b@example.test", "role": "viewer"}), http.StatusNotFound, "not-found")
	e.addMember(alice.Token, p.ID, bob.Email, "viewer")
	resp := e.c.Send(http.MethodPost, members, alice.Token, map[string]any{"email": mallory.Email, "role": "viewer"})
	testkit.WantProblem(t, resp, http.StatusTooManyRequests, "rate-limited")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Nothing was added by the refused request; other owners are unaffected.
	var n int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM project_members WHERE project_id = $1`, p.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("%d members, want 1", n)
	}
	mine := e.createProject(mallory.Token, "Mallory's")
	e.addMember(mallory.Token, mine.ID, bob.Email, "viewer")
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
