package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/db/migrations"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestMigrationsDownAndUp walks the whole history down and up again, and
// checks that every down migration removes what its up created.
func TestMigrationsDownAndUp(t *testing.T) {
	t.Parallel()
	url := testkit.PostgresURL(t) // migrated up by testkit
	pool, err := db.Open(context.Background(), url, db.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	tables := func() []string {
		rows, _ := pool.Query(ctx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY 1`)
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	want := []string{"chapters", "citations", "comments", "project_members", "projects", "refresh_tokens", "research_notes", "sessions", "users", "versions"}
	got := tables()
	for _, w := range want {
		if !contains(got, w) {
			t.Fatalf("after up, tables %v lack %s", got, w)
		}
	}

	mg, err := db.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()
	latest, err := db.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if v, dirty, err := mg.Version(); err != nil || dirty || v != latest {
		t.Fatalf("version %d dirty %v err %v, want %d", v, dirty, err, latest)
	}
	entries, _ := migrations.FS.ReadDir(".")
	ups := 0
	for _, e := range entries {
		if len(e.Name()) > 7 && e.Name()[len(e.Name())-7:] == ".up.sql" {
			ups++
		}
	}
	if err := mg.Down(ups); err != nil {
		t.Fatalf("down %d: %v", ups, err)
	}
	if left := tables(); len(left) != 0 {
		t.Fatalf("after down, tables remain: %v", left)
	}
	var funcs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()`).Scan(&funcs); err != nil || funcs != 0 {
		t.Fatalf("after down, %d functions remain (%v)", funcs, err)
	}
	if err := mg.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if got := tables(); len(got) < len(want) {
		t.Fatalf("after up again: %v", got)
	}
}

func TestEveryMigrationHasADown(t *testing.T) {
	t.Parallel()
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for n := range names {
		if len(n) > 7 && n[len(n)-7:] == ".up.sql" {
			down := n[:len(n)-7] + ".down.sql"
			if !names[down] {
				t.Errorf("%s has no %s", n, down)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestWordCountsBackfill: upgrading a database that already holds books
// gives every book the total of its live chapters.
func TestWordCountsBackfill(t *testing.T) {
	t.Parallel()
	url := testkit.PostgresURL(t) // migrated up by testkit
	mg, err := db.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()
	for { // step down to just before 000027
		v, _, err := mg.Version()
		if err != nil || v < 26 {
			t.Fatalf("version %d (%v) while stepping down to 26", v, err)
		}
		if v == 26 {
			break
		}
		if err := mg.Down(1); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := db.Open(context.Background(), url, db.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	var owner, book, empty string
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, email_canonical, password_hash)
		VALUES ('b@x.test', 'b@x.test', '!') RETURNING id`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO projects (owner_id, title) VALUES ($1, 'Full') RETURNING id`, owner).Scan(&book); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO projects (owner_id, title) VALUES ($1, 'Empty') RETURNING id`, owner).Scan(&empty); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO chapters (project_id, title, position, word_count, deleted_at)
		VALUES ($1, 'a', 0, 120, NULL), ($1, 'b', 1, 30, NULL), ($1, 'gone', 2, 1000, now())`, book); err != nil {
		t.Fatal(err)
	}
	if err := mg.Up(); err != nil {
		t.Fatal(err)
	}
	var words int64
	if err := pool.QueryRow(ctx, `SELECT words FROM book_word_totals WHERE project_id = $1`, book).Scan(&words); err != nil || words != 150 {
		t.Fatalf("backfilled total %d (%v), want 150 (live chapters only)", words, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM book_word_totals WHERE project_id = $1`, empty).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a book without chapters got %d rows (%v); it reads as 0 without one", n, err)
	}
}

// TestUpdatedAtMaintainedByTheDatabase: every table with an updated_at
// column keeps it with the set_updated_at trigger, and the trigger sets it
// on every update whatever the statement says. River's tables (river_*, the
// job queue's own schema) keep theirs themselves.
func TestUpdatedAtMaintainedByTheDatabase(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	rows, _ := pool.Query(ctx, `SELECT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema() AND c.column_name = 'updated_at' AND c.table_name NOT LIKE 'river\_%'
		  AND NOT EXISTS (SELECT 1 FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
		      WHERE tg.tgrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND p.proname = 'set_updated_at')
		ORDER BY 1`)
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("tables with updated_at but no set_updated_at trigger: %v", missing)
	}

	if _, err := pool.Exec(ctx, `CREATE TABLE stamped (id int PRIMARY KEY, v text,
			created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
		CREATE TRIGGER stamped_set_updated_at BEFORE UPDATE ON stamped FOR EACH ROW EXECUTE FUNCTION set_updated_at();
		INSERT INTO stamped VALUES (1, 'a', now() - interval '1 day', now() - interval '1 day')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE stamped SET v = 'b', updated_at = now() - interval '2 days' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	var fresh bool
	if err := pool.QueryRow(ctx, `SELECT updated_at > now() - interval '1 minute' AND created_at < now() - interval '1 hour' FROM stamped`).Scan(&fresh); err != nil || !fresh {
		t.Fatalf("updated_at not maintained (fresh=%v, err=%v)", fresh, err)
	}
}
