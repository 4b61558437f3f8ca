// Package researchtest gives the tests of other modules (the purge
// command's, for one) research notes made with the research module's own
// queries, so that they never write the research tables themselves.
package researchtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/research/internal/store"
)

// AddNote adds a note titled title to project and returns its id.
func AddNote(t testing.TB, pool *pgxpool.Pool, project uuid.UUID, title string) uuid.UUID {
	t.Helper()
	n, err := store.New(pool).CreateNote(context.Background(), store.CreateNoteParams{
		ID: uuid.Must(uuid.NewV7()), ProjectID: project, Title: title, Tags: []string{},
	})
	if err != nil {
		t.Fatalf("researchtest: add note: %v", err)
	}
	return n.ID
}

// TrashNoteAged moves note to the trash as if that had happened age ago
// (the trash keeps a note research.TrashRetention).
func TrashNoteAged(t testing.TB, pool *pgxpool.Pool, note uuid.UUID, age time.Duration) {
	t.Helper()
	ctx := context.Background()
	if err := store.New(pool).TrashNote(ctx, note); err != nil {
		t.Fatalf("researchtest: trash note: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE research_notes SET deleted_at = now() - make_interval(secs => $2) WHERE id = $1`,
		note, age.Seconds()); err != nil {
		t.Fatalf("researchtest: age trash: %v", err)
	}
}

// NoteExists reports whether note is still stored, live or in the trash.
func NoteExists(t testing.TB, pool *pgxpool.Pool, note uuid.UUID) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM research_notes WHERE id = $1)`, note).Scan(&ok); err != nil {
		t.Fatalf("researchtest: note exists: %v", err)
	}
	return ok
}

// AddAttachment adds a confirmed attachment of size bytes of ctype to note
// and returns the key its file must be stored under (the research
// module's layout: projects/{project}/notes/{note}/{attachment}). The test
// puts the file there itself.
func AddAttachment(t testing.TB, pool *pgxpool.Pool, project, note uuid.UUID, filename, ctype string, size int64) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	key := fmt.Sprintf("projects/%s/notes/%s/%s", project, note, id)
	q := store.New(pool)
	if _, err := q.CreateAttachment(ctx, store.CreateAttachmentParams{
		ID: id, ProjectID: project, NoteID: note, ObjectKey: key, Filename: filename, ContentType: ctype, Size: size, UploadExpiresAt: time.Now(),
	}); err != nil {
		t.Fatalf("researchtest: add attachment: %v", err)
	}
	if _, err := q.ConfirmAttachment(ctx, id); err != nil {
		t.Fatalf("researchtest: confirm attachment: %v", err)
	}
	return key
}
