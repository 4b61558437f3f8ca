package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestPurgeCommand: `thebrain purge` removes trash older than 30 days from
// every module and leaves younger trash and live rows alone.
func TestPurgeCommand(t *testing.T) {
	t.Parallel()
	dbURL := testkit.PostgresURL(t)
	ctx := context.Background()
	pool, err := db.Open(ctx, dbURL, db.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	owner := testkit.User(t, pool, "owner")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	project := func(title, deleted string) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		exec(`INSERT INTO projects (id, owner_id, title, deleted_at) VALUES ($1, $2, $3, now() - $4::interval)`, id, owner.ID, title, deleted)
		return id
	}
	live := project("live", "0") // deleted_at = now() - 0 is set below to NULL
	exec(`UPDATE projects SET deleted_at = NULL WHERE id = $1`, live)
	oldTrash := project("old trash", "31 days")
	youngTrash := project("young trash", "29 days")
	chapter := func(p uuid.UUID, pos int, deleted *string) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		exec(`INSERT INTO chapters (id, project_id, title, position) VALUES ($1, $2, 'c', $3)`, id, p, pos)
		if deleted != nil {
			exec(`UPDATE chapters SET deleted_at = now() - $2::interval WHERE id = $1`, id, *deleted)
		}
		return id
	}
	old, young := "31 days", "1 day"
	liveChapter := chapter(live, 0, nil)
	oldChapter := chapter(live, 1, &old)
	youngChapter := chapter(live, 2, &young)
	exec(`INSERT INTO research_notes (id, project_id, title, deleted_at) VALUES ($1, $2, 'old note', now() - interval '40 days')`, uuid.Must(uuid.NewV7()), live)
	exec(`INSERT INTO research_notes (id, project_id, title) VALUES ($1, $2, 'live note')`, uuid.Must(uuid.NewV7()), live)

	var out bytes.Buffer
	env := map[string]string{"THEBRAIN_DATABASE_URL": dbURL, "THEBRAIN_REDIS_URL": testkit.RedisURL(t), "THEBRAIN_DATA_DIR": t.TempDir()}
	if err := run(ctx, []string{"thebrain", "purge"}, envMap(env), &out, io.Discard); err != nil {
		t.Fatalf("purge: %v", err)
	}
	for _, want := range []string{"projects: 1 purged", "chapters: 1 purged", "research: 1 purged"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	ids := func(sql string) []uuid.UUID {
		rows, _ := pool.Query(ctx, sql)
		got, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	projects := ids(`SELECT id FROM projects ORDER BY id`)
	if len(projects) != 2 || !slices.Contains(projects, live) || !slices.Contains(projects, youngTrash) || slices.Contains(projects, oldTrash) {
		t.Fatalf("projects after purge: %v", projects)
	}
	chapters := ids(`SELECT id FROM chapters ORDER BY id`)
	if len(chapters) != 2 || !slices.Contains(chapters, liveChapter) || !slices.Contains(chapters, youngChapter) || slices.Contains(chapters, oldChapter) {
		t.Fatalf("chapters after purge: %v", chapters)
	}
	if n := len(ids(`SELECT id FROM research_notes`)); n != 1 {
		t.Fatalf("%d notes left, want the live one", n)
	}
}
