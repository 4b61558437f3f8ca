package chapters

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestListQueriesUseTheirIndexes explains the main list queries over a
// few thousand rows with sequential scans disabled, and checks each plan
// reads the index meant for it.
func TestListQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// 20 books of 100 chapters, 20 comments on each chapter of the first.
	books := []uuid.UUID{e.project}
	for i := range 19 {
		books = append(books, e.books.Create(t, e.owner.ID, fmt.Sprintf("book %d", i)))
	}
	e.exec(`INSERT INTO chapters (project_id, title, position, content)
		SELECT p, 'ch ' || g, g - 1, 'text' FROM unnest($1::uuid[]) p, generate_series(1, 100) g`, books)
	e.exec(`INSERT INTO comments (chapter_id, project_id, body, resolved)
		SELECT c.id, c.project_id, 'c' || g, g % 3 = 0 FROM chapters c, generate_series(1, 20) g WHERE c.project_id = $1`, e.project)
	e.exec(`INSERT INTO versions (chapter_id, project_id, number, title, content, word_count, reason)
		SELECT c.id, c.project_id, g, c.title, 'v', 1, 'manual' FROM chapters c, generate_series(1, 5) g WHERE c.project_id = $1`, e.project)
	e.exec(`ANALYZE chapters; ANALYZE comments; ANALYZE versions`)
	var chapterID uuid.UUID
	if err := e.pool.QueryRow(ctx, `SELECT id FROM chapters WHERE project_id = $1 AND position = 7`, e.project).Scan(&chapterID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		run   func(q *store.Queries)
		index string
	}{
		{"chapters by project", func(q *store.Queries) {
			q.ListChaptersByProject(ctx, store.ListChaptersByProjectParams{ProjectID: e.project, AfterPosition: 10, MaxRows: 51})
		}, "chapters_project_position_key"},
		{"unresolved comments", func(q *store.Queries) {
			q.ListUnresolvedCommentsByChapter(ctx, store.ListUnresolvedCommentsByChapterParams{ChapterID: chapterID, ProjectID: e.project, AfterTime: time.Time{}, MaxRows: 51})
		}, "comments_chapter_unresolved_idx"},
		{"all comments", func(q *store.Queries) {
			q.ListCommentsByChapter(ctx, store.ListCommentsByChapterParams{ChapterID: chapterID, ProjectID: e.project, AfterTime: time.Time{}, MaxRows: 51})
		}, "comments_chapter_idx"},
		{"versions of a chapter", func(q *store.Queries) {
			q.ListVersionsByChapter(ctx, store.ListVersionsByChapterParams{ChapterID: chapterID, ProjectID: e.project, BeforeNumber: 1 << 30, MaxRows: 51})
		}, "on versions_chapter_"}, // either (chapter_id, …) index serves it
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
