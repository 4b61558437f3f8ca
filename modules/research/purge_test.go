package research

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
	oldNote := e.createNote(t, e.owner.Token, map[string]any{"title": "old"})
	newNote := e.createNote(t, e.owner.Token, map[string]any{"title": "new"})
	oldCite := e.createCitation(t, map[string]any{"title": "old"})
	for _, p := range []string{"notes/" + oldNote.ID.String(), "notes/" + newNote.ID.String(), "citations/" + oldCite.ID.String()} {
		testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.path(e.project, p), e.owner.Token, nil), http.StatusNoContent)
	}
	e.exec(t, `UPDATE research_notes SET deleted_at = now() - interval '31 days' WHERE id = $1`, oldNote.ID)
	e.exec(t, `UPDATE citations SET deleted_at = now() - interval '31 days' WHERE id = $1`, oldCite.ID)
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.path(e.project, "notes/"+oldNote.ID.String()+"/restore"), e.owner.Token, nil), 404, "not-found")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.path(e.project, "citations/"+oldCite.ID.String()+"/restore"), e.owner.Token, nil), 404, "not-found")
	n, err := PurgeTrash(context.Background(), e.pool, TrashRetention)
	if err != nil || n != 2 {
		t.Fatalf("PurgeTrash = %d, %v; want 2", n, err)
	}
	testkit.WantStatus(t, e.c.Send(http.MethodPost, e.path(e.project, "notes/"+newNote.ID.String()+"/restore"), e.owner.Token, nil), http.StatusOK)
	if _, err := PurgeTrash(context.Background(), e.pool, -time.Second); err == nil {
		t.Fatal("PurgeTrash with a negative age must refuse")
	}
}
