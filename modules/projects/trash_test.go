package projects_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/testkit"
)

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
	if _, err := e.mod.Access().Require(context.Background(), alice.ID, p.ID, projects.RoleViewer); err == nil {
		t.Error("Access.Require allowed a trashed project")
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

func TestRestoreWindowAndPurge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	ctx := context.Background()

	trashed := func(title, age string) uuid.UUID {
		p := e.createProject(alice.Token, title)
		e.addChapter(p.ID, 10, false)
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
	var chapters int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM chapters WHERE project_id = ANY($1)`, []uuid.UUID{expired, ancient}).Scan(&chapters); err != nil || chapters != 0 {
		t.Errorf("chapters of purged projects = %d (%v), want 0", chapters, err)
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
