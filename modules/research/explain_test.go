package research

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/thebrain/thebrain/modules/research/internal/store"
)

// capture is a store.DBTX that records the SQL and arguments a generated
// query would send, so the test explains exactly what the handlers run.
type capture struct {
	sql  string
	args []any
}

var errCaptured = errors.New("captured")

func (c *capture) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.sql, c.args = sql, args
	return pgconn.CommandTag{}, errCaptured
}

func (c *capture) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.sql, c.args = sql, args
	return nil, errCaptured
}

func (c *capture) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	c.sql, c.args = sql, args
	return errRow{}
}

type errRow struct{}

func (errRow) Scan(...any) error { return errCaptured }

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
	e.exec(t, `ANALYZE research_notes; ANALYZE citations`)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c capture
			tt.run(store.New(&c))
			plan := explain(t, e, c.sql, c.args)
			if !strings.Contains(plan, tt.index) || !strings.Contains(plan, "Index") {
				t.Fatalf("plan does not use %s:\n%s", tt.index, plan)
			}
			t.Logf("%s:\n%s", tt.name, plan)
		})
	}
}

func explain(t *testing.T, e *env, sql string, args []any) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				return err
			}
			lines = append(lines, l)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	return strings.Join(lines, "\n")
}
