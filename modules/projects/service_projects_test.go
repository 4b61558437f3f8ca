package projects_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/testkit"
)

// Two authors saving from the same version: exactly one wins, the other is
// told, and the loser's change is not silently applied.
func TestConcurrentPatchesOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	p := e.createProject(alice.Token, "Shared")
	e.addMember(alice.Token, p.ID, bob.Email, "editor")

	const writers = 8
	statuses := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			tok := alice.Token
			if i%2 == 1 {
				tok = bob.Token
			}
			resp := e.c.Send(http.MethodPatch, path("projects", p.ID), tok, map[string]any{"genre": "g" + string(rune('a'+i)), "version": 1})
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	ok, stale := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusPreconditionFailed:
			stale++
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 || stale != writers-1 {
		t.Fatalf("%d succeeded and %d were stale, want 1 and %d", ok, stale, writers-1)
	}
	_, got := e.getProject(alice.Token, p.ID)
	if got.Version != 2 {
		t.Fatalf("version = %d, want 2", got.Version)
	}
}

func TestRestoreWindowAndPurge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	ctx := context.Background()

	chapterOf := map[uuid.UUID]uuid.UUID{}
	trashed := func(title, age string) uuid.UUID {
		p := e.createProject(alice.Token, title)
		chapterOf[p.ID] = e.addChapter(p.ID, 10, false)
		testkit.WantStatus(t, e.c.Send(http.MethodDelete, path("projects", p.ID), alice.Token, nil), http.StatusNoContent)
		e.exec(`UPDATE projects SET deleted_at = now() - $2::interval WHERE id = $1`, p.ID, age)
		return p.ID
	}
	fresh := trashed("Fresh", "1 hour")
	almost := trashed("Almost expired", "29 days 23 hours 59 minutes")
	expired := trashed("Expired", "30 days 1 minute")
	ancient := trashed("Ancient", "400 days")
	live := e.createProject(alice.Token, "Live")

	// The trash lists only what can still be restored, newest deletion first.
	var trash pageOf[project]
	resp := e.c.Get("/api/v1/trash?limit=1", alice.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &trash)
	if len(trash.Items) != 1 || trash.Items[0].ID != fresh || trash.NextCursor == "" {
		t.Fatalf("trash page 1 = %s", resp.Body)
	}
	resp = e.c.Get("/api/v1/trash?limit=1&cursor="+trash.NextCursor, alice.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	trash = pageOf[project]{}
	resp.JSON(t, &trash)
	if len(trash.Items) != 1 || trash.Items[0].ID != almost || trash.NextCursor != "" {
		t.Fatalf("trash page 2 = %s", resp.Body)
	}
	testkit.WantProblem(t, e.c.Get("/api/v1/trash?cursor=nope", alice.Token), http.StatusBadRequest, "invalid-cursor")

	// Past 30 days a project cannot be restored any more.
	testkit.WantProblem(t, e.c.Send(http.MethodPost, path("projects", expired, "restore"), alice.Token, nil), http.StatusNotFound, "not-found")
	testkit.WantStatus(t, e.c.Send(http.MethodPost, path("projects", almost, "restore"), alice.Token, nil), http.StatusOK)

	n, err := projects.PurgeTrash(ctx, e.pool, projects.TrashRetention)
	if err != nil || n != 2 {
		t.Fatalf("PurgeTrash = %d, %v; want the 2 expired projects", n, err)
	}
	var left []uuid.UUID
	rows, err := e.pool.Query(ctx, `SELECT id FROM projects ORDER BY title`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uuid.UUID
		_ = rows.Scan(&id)
		left = append(left, id)
	}
	rows.Close()
	want := map[uuid.UUID]bool{fresh: true, almost: true, live.ID: true}
	if len(left) != 3 {
		t.Fatalf("%d projects left after purge, want 3", len(left))
	}
	for _, id := range left {
		if !want[id] {
			t.Errorf("project %s survived the purge", id)
		}
	}
	for _, p := range []uuid.UUID{expired, ancient} {
		if chapterstest.Exists(t, e.pool, chapterOf[p]) {
			t.Errorf("the chapter of purged project %s is still stored", p)
		}
	}
	// Purging again finds nothing; a non-positive age is refused.
	if n, err := projects.PurgeTrash(ctx, e.pool, projects.TrashRetention); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v", n, err)
	}
	if _, err := projects.PurgeTrash(ctx, e.pool, 0); err == nil {
		t.Error("PurgeTrash(0) would empty the whole trash; want an error")
	}
}

// Purge works in batches; more rows than one batch all go.
func TestPurgeTrashInBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	e.exec(`INSERT INTO projects (owner_id, title, deleted_at)
		SELECT $1, 'Old ' || g, now() - interval '31 days' FROM generate_series(1, 1203) g`, alice.ID)
	e.exec(`INSERT INTO projects (owner_id, title, deleted_at) VALUES ($1, 'Recent', now() - interval '29 days')`, alice.ID)
	n, err := projects.PurgeTrash(context.Background(), e.pool, projects.TrashRetention)
	if err != nil || n != 1203 {
		t.Fatalf("PurgeTrash = %d, %v; want 1203", n, err)
	}
	var left int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM projects`).Scan(&left)
	if left != 1 {
		t.Fatalf("%d projects left, want 1", left)
	}
}

// TestWriteRecheckedAfterMembershipChange: an editor's PATCH that passed the
// route's role check while the owner was changing their membership commits
// nothing once the change has committed: the write re-checks the role under
// the membership lock as the first step of its transaction.
func TestWriteRecheckedAfterMembershipChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, editor := e.user("owner"), e.user("editor")
	ctx := context.Background()
	cases := []struct {
		name   string
		change string // on project_members: $1 the project, $2 the editor
		status int
		slug   string
	}{
		{"removed", `DELETE FROM project_members WHERE project_id = $1 AND user_id = $2`, http.StatusNotFound, "not-found"},
		{"made a viewer", `UPDATE project_members SET role = 'viewer' WHERE project_id = $1 AND user_id = $2`, http.StatusForbidden, "forbidden"},
	}
	books := make([]uuid.UUID, len(cases))
	for i := range cases {
		books[i] = e.createProject(owner.Token, "Contested").ID
		e.addMember(owner.Token, books[i], editor.Email, "editor")
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			book := books[i]
			// The owner's member change, as the module makes it: the
			// membership lock first.
			tx, err := e.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if err := access.LockMembers(ctx, tx, book); err != nil {
				t.Fatal(err)
			}
			done := make(chan *testkit.Response, 1)
			go func() {
				done <- e.c.For(t).Send(http.MethodPatch, path("projects", book), editor.Token, map[string]any{"title": "Mine now", "version": 1})
			}()
			// The PATCH has passed the route (the editor was still an editor)
			// and waits for the membership lock.
			awaitLockWaiter(t, e.pool, done, membershipLockWaiters, book, "ShareLock")
			if _, err := tx.Exec(ctx, tc.change, book, editor.ID); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			testkit.WantProblem(t, <-done, tc.status, tc.slug)
			var title string
			var version int
			if err := e.pool.QueryRow(ctx, `SELECT title, version FROM projects WHERE id = $1`, book).Scan(&title, &version); err != nil {
				t.Fatal(err)
			}
			if title != "Contested" || version != 1 {
				t.Errorf("the refused write committed: title %q, version %d", title, version)
			}
		})
	}
}
