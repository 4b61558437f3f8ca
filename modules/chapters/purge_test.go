package chapters

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestTrashRetentionAndPurge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.createChapter("Old", "text")
	recent := e.createChapter("Recent", "text")
	live := e.createChapter("Live", "text")
	cm := e.comment(live.ID, e.comm.Token, map[string]any{"body": "gone soon"})
	keep := e.comment(live.ID, e.comm.Token, map[string]any{"body": "stays"})
	for _, id := range []string{old.ID.String(), recent.ID.String()} {
		testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chaptersPath(e.project)+"/"+id, e.owner.Token, nil), http.StatusNoContent)
	}
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.commentsPath(live.ID)+"/"+cm.ID.String(), e.comm.Token, nil), http.StatusNoContent)
	e.exec(`UPDATE chapters SET deleted_at = now() - interval '31 days' WHERE id = $1`, old.ID)
	e.exec(`UPDATE comments SET deleted_at = now() - interval '31 days' WHERE id = $1`, cm.ID)

	// Past retention a chapter can no longer be restored.
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, old.ID)+"/restore", e.owner.Token, nil), http.StatusNotFound, "not-found")

	n, err := PurgeTrash(context.Background(), e.pool, TrashRetention)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("purged %d rows, want 2 (one chapter, one comment)", n)
	}
	var chapters, versions, comments int
	if err := e.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM chapters), (SELECT count(*) FROM versions WHERE chapter_id = $1), (SELECT count(*) FROM comments)`, old.ID).Scan(&chapters, &versions, &comments); err != nil {
		t.Fatal(err)
	}
	if chapters != 2 || versions != 0 || comments != 1 {
		t.Fatalf("after purge: %d chapters, %d versions of the purged one, %d comments", chapters, versions, comments)
	}
	// Retention is measured with the module's clock.
	e.clockAhead(TrashRetention + time.Hour)
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, recent.ID)+"/restore", e.owner.Token, nil), http.StatusNotFound, "not-found")
	e.clockAhead(0)
	testkit.WantStatus(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, recent.ID)+"/restore", e.owner.Token, nil), http.StatusOK)
	testkit.WantStatus(t, e.c.Get(e.commentsPath(live.ID)+"/"+keep.ID.String(), e.viewer.Token), http.StatusOK)
	if _, err := PurgeTrash(context.Background(), e.pool, 0); err == nil {
		t.Fatal("PurgeTrash(0) must refuse")
	}
}
