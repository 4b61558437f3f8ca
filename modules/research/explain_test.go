package research

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestListQueriesUseTheirIndexes explains the list queries over thousands
// of notes with sequential scans disabled.
func TestListQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	books := []uuid.UUID{e.project}
	for i := range 19 {
		books = append(books, e.books.Create(t, e.owner.ID, fmt.Sprintf("book %d", i)))
	}
	e.exec(t, `INSERT INTO research_notes (project_id, title, body, tags)
		SELECT p, 'note ' || g, 'about lighthouses and storms ' || g,
		       ARRAY['t' || (g % 50), 'common'] FROM unnest($1::uuid[]) p, generate_series(1, 300) g`, books)
	e.exec(t, `INSERT INTO citations (project_id, title) SELECT p, 'c' || g FROM unnest($1::uuid[]) p, generate_series(1, 100) g`, books)
	e.exec(t, `INSERT INTO research_attachments (id, project_id, note_id, object_key, filename, content_type, size, status, upload_expires_at)
		SELECT gen_random_uuid(), n.project_id, n.id, 'k/' || n.id || '/' || g, 'f', 'image/png', 1,
		       CASE WHEN g = 1 THEN 'pending' ELSE 'ready' END, now()
		FROM research_notes n, generate_series(1, 3) g`)
	e.exec(t, `INSERT INTO research_object_deletions (object_key, not_before)
		SELECT 'gone/' || g, now() + make_interval(mins => g) FROM generate_series(1, 3000) g`)
	e.exec(t, `ANALYZE research_notes; ANALYZE citations; ANALYZE research_attachments; ANALYZE research_object_deletions`)
	note := uuid.Nil
	if err := e.pool.QueryRow(ctx, `SELECT id FROM research_notes LIMIT 1`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		run   func(q *store.Queries)
		index string
	}{
		{"notes by project", func(q *store.Queries) {
			q.ListNotesByProject(ctx, store.ListNotesByProjectParams{ProjectID: e.project, BeforeTime: far, MaxRows: 51})
		}, "research_notes_project_updated_idx"},
		{"notes by tag", func(q *store.Queries) {
			q.ListNotesByProjectAndTags(ctx, store.ListNotesByProjectAndTagsParams{ProjectID: e.project, Tags: []string{"t7"}, BeforeTime: far, MaxRows: 51})
		}, "research_notes_tags_idx"},
		{"notes search", func(q *store.Queries) {
			q.SearchNotesByProject(ctx, store.SearchNotesByProjectParams{ProjectID: e.project, Query: "lighthouse 17", Tags: []string{}, MaxRows: 50})
		}, "research_notes_"},
		{"citations by project", func(q *store.Queries) {
			q.ListCitationsByProject(ctx, store.ListCitationsByProjectParams{ProjectID: e.project, MaxRows: 51})
		}, "citations_project_idx"},
		{"attachments by note", func(q *store.Queries) {
			q.ListReadyAttachmentsByNote(ctx, store.ListReadyAttachmentsByNoteParams{NoteID: note, MaxRows: 51})
		}, "research_attachments_note_idx"},
		{"stale uploads", func(q *store.Queries) {
			q.PurgeStaleUploads(ctx, store.PurgeStaleUploadsParams{RetentionSecs: 86400, Batch: 500})
		}, "research_attachments_pending_idx"},
		{"due object deletions", func(q *store.Queries) {
			q.ClaimObjectDeletions(ctx, 500)
		}, "research_object_deletions_due_idx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c testkit.SQLCapture
			tt.run(store.New(&c))
			plan := testkit.Explain(t, e.pool, c, true)
			if !strings.Contains(plan, tt.index) || !strings.Contains(plan, "Index") {
				t.Fatalf("plan does not use %s:\n%s", tt.index, plan)
			}
			t.Logf("%s:\n%s", tt.name, plan)
		})
	}
}
