package projects_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestMembershipChangesWaitForWrites: a change of who may act on a book
// (a member added, given another role or removed; the book trashed or
// restored) waits for the writes in flight that have confirmed their role
// (access.Guard.Confirm holds the membership lock shared), and goes through
// once they commit.
func TestMembershipChangesWaitForWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, extra, newbie := e.user("owner"), e.user("extra"), e.user("newbie")
	guard := access.NewGuard(e.mod.Access())
	ctx := context.Background()
	cases := []struct {
		name    string
		trashed bool
		req     func(book uuid.UUID) testkit.Request
		status  int
	}{
		{"add a member", false, func(b uuid.UUID) testkit.Request {
			return testkit.Request{Method: "POST", Path: path("projects", b, "members"), Body: map[string]any{"email": newbie.Email, "role": "viewer"}}
		}, http.StatusCreated},
		{"change a member's role", false, func(b uuid.UUID) testkit.Request {
			return testkit.Request{Method: "PATCH", Path: path("projects", b, "members", extra.ID), Body: map[string]any{"role": "editor"}}
		}, http.StatusOK},
		{"remove a member", false, func(b uuid.UUID) testkit.Request {
			return testkit.Request{Method: "DELETE", Path: path("projects", b, "members", extra.ID)}
		}, http.StatusNoContent},
		{"trash the book", false, func(b uuid.UUID) testkit.Request {
			return testkit.Request{Method: "DELETE", Path: path("projects", b)}
		}, http.StatusNoContent},
		{"restore the book", true, func(b uuid.UUID) testkit.Request {
			return testkit.Request{Method: "POST", Path: path("projects", b, "restore")}
		}, http.StatusOK},
	}
	books := make([]uuid.UUID, len(cases))
	for i, tc := range cases {
		books[i] = e.createProject(owner.Token, "Busy").ID
		e.addMember(owner.Token, books[i], extra.Email, "viewer")
		if tc.trashed {
			testkit.WantStatus(t, e.c.Send(http.MethodDelete, path("projects", books[i]), owner.Token, nil), http.StatusNoContent)
		}
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			book := books[i]
			// extra's write in flight, past its in-transaction re-check.
			tx, err := e.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			_, err = guard.Confirm(ctx, tx, access.Grant{UserID: extra.ID, ProjectID: book, Role: roles.Viewer}, roles.Viewer)
			if err != nil && !tc.trashed { // in the trash the book is hidden, but the lock is taken
				t.Fatal(err)
			}
			done := make(chan *testkit.Response, 1)
			go func() {
				req := tc.req(book)
				req.Token = owner.Token
				done <- e.c.For(t).Do(req)
			}()
			awaitLockWaiter(t, e.pool, done, membershipLockWaiters, book, "ExclusiveLock")
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			testkit.WantStatus(t, <-done, tc.status)
		})
	}
}
