package projects_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/testkit"
)

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
