package projects_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestListQueriesUseIndexes seeds enough rows that the planner has a real
// choice, then checks the main list queries are index scans, not table
// scans. The plans are quoted in docs/perf.md.
func TestListQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice := e.user("alice")
	// 200 owners with 50 books each, a quarter of them trashed; alice owns 30
	// and is a member of 20 more;
	// everyone else shares a few books too.
	owners := authtest.Users(t, e.pool, "o", 200)
	e.exec(`INSERT INTO projects (owner_id, title, updated_at, deleted_at)
		SELECT u, 'Book ' || g, now() - g * interval '1 minute', CASE WHEN g % 4 = 0 THEN now() - g * interval '1 hour' END
		FROM unnest($1::uuid[]) u, generate_series(1, 50) g`, owners)
	e.exec(`INSERT INTO projects (owner_id, title) SELECT $1, 'Mine ' || g FROM generate_series(1, 30) g`, alice.ID)
	e.exec(`INSERT INTO project_members (project_id, user_id, role)
		SELECT id, $1, 'viewer' FROM projects WHERE owner_id <> $1 AND title = 'Book 10' LIMIT 20`, alice.ID)
	e.exec(`INSERT INTO project_members (project_id, user_id, role)
		SELECT p.id, u, 'editor' FROM projects p JOIN unnest($1::uuid[]) u ON u <> p.owner_id
		WHERE random() < 0.001`, owners)
	rows, _ := e.pool.Query(ctx, `SELECT id FROM projects`)
	books, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	chapterstest.SetTotals(t, e.pool, books, 1000)
	e.exec(`ANALYZE projects`)
	e.exec(`ANALYZE chapter_word_totals`)
	e.exec(`ANALYZE project_members`)

	var projectID uuid.UUID
	_ = e.pool.QueryRow(ctx, `SELECT id FROM projects WHERE owner_id = $1 LIMIT 1`, alice.ID).Scan(&projectID)
	stmts := projects.CaptureQueries(ctx, alice.ID, projectID)
	cases := []struct {
		name    string
		indexes []string
	}{
		{"projects list", []string{"projects_owner_updated_idx", "project_members_user_idx", "projects_pkey"}},
		{"trash list", []string{"projects_owner_trash_idx"}},
		{"members list", []string{"project_members_project_added_idx", "projects_pkey"}},
		{"get project", []string{"projects_pkey", "project_members_"}},
		{"access check", []string{"projects_pkey", "project_members_"}},
		{"restore check", []string{"projects_pkey", "project_members_"}},
		{"count owned projects", []string{"projects_owner_updated_idx", "projects_owner_trash_idx"}},
		{"count members", []string{"project_members_"}},
		{"purge", []string{"projects_deleted_idx"}},
	}
	for _, tc := range cases {
		plan := testkit.Explain(t, e.pool, stmts[tc.name], false)
		for _, idx := range tc.indexes {
			if !strings.Contains(plan, idx) {
				t.Errorf("%s: plan does not use %s:\n%s", tc.name, idx, plan)
			}
		}
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s: plan has a sequential scan:\n%s", tc.name, plan)
		}
		t.Logf("%s:\n%s", tc.name, plan)
	}
}
