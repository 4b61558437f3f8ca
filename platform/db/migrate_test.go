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
