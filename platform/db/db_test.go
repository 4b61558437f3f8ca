package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// scratch creates a table of the test's own in pool's schema: the
// platform's tests do not write the modules' tables.
func scratch(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `CREATE TABLE scratch (
		id uuid PRIMARY KEY, name text NOT NULL CONSTRAINT scratch_name_key UNIQUE)`); err != nil {
		t.Fatal(err)
	}
}

func TestInTxCommitsAndRollsBack(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	scratch(t, pool)
	ctx := context.Background()
	insert := func(tx pgx.Tx, name string) error {
		_, err := tx.Exec(ctx, `INSERT INTO scratch (id, name) VALUES ($1, $2)`, uuid.New(), name)
		return err
	}
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return insert(tx, "kept") }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := insert(tx, "dropped"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = db.InTx(ctx, pool, func(tx pgx.Tx) error {
			_ = insert(tx, "panicked")
			panic("in tx")
		})
	}()
	rows, _ := pool.Query(ctx, `SELECT name FROM scratch ORDER BY name`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "kept" {
		t.Fatalf("rows = %v, want only the committed one", names)
	}
}

func TestErrorHelpers(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	scratch(t, pool)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO scratch (id, name) VALUES ($1, 'a')`, uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO scratch (id, name) VALUES ($1, 'a')`, uuid.New())
	if !db.IsUniqueViolation(err, "scratch_name_key") || !db.IsUniqueViolation(err, "") || db.IsUniqueViolation(err, "other") {
		t.Fatalf("unique violation not recognised: %v", err)
	}
	err = pool.QueryRow(ctx, `SELECT id FROM scratch WHERE false`).Scan(new(uuid.UUID))
	if !db.IsNoRows(err) {
		t.Fatalf("no rows not recognised: %v", err)
	}
}

// TestUUIDRoundTrip: UUIDs, nullable UUIDs and UUID arrays go through the
// binary codec Open registers, both ways.
func TestUUIDRoundTrip(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	var got uuid.UUID
	var null *uuid.UUID
	var text string
	if err := pool.QueryRow(ctx, `SELECT $1::uuid, $2::uuid, $1::uuid::text`, id, (*uuid.UUID)(nil)).Scan(&got, &null, &text); err != nil {
		t.Fatal(err)
	}
	if got != id || null != nil || text != id.String() {
		t.Fatalf("got %s %v %s, want %s nil", got, null, text, id)
	}
	var ids []uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT $1::uuid[]`, []uuid.UUID{id, uuid.Nil}).Scan(&ids); err != nil || len(ids) != 2 || ids[0] != id {
		t.Fatalf("array %v %v", ids, err)
	}
}

func BenchmarkUUIDParameter(b *testing.B) {
	pool := testkit.Postgres(b)
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	b.ReportAllocs()
	for b.Loop() {
		var got uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT $1::uuid`, id).Scan(&got); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLazyOpen: a lazy pool opens without connecting (a Lambda cold start
// makes one connection, not one per pool) and connects on first use.
func TestLazyOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Nothing listens there: an eager Open fails, a lazy one does not.
	const nowhere = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"
	if _, err := db.Open(ctx, nowhere, db.Options{}); err == nil {
		t.Fatal("eager Open of an unreachable database succeeded")
	}
	p, err := db.Open(ctx, nowhere, db.Options{Lazy: true})
	if err != nil {
		t.Fatalf("lazy Open: %v", err)
	}
	if err := p.Ping(ctx); !db.IsUnavailable(err) {
		t.Fatalf("first use of the unreachable database: %v, want unavailable", err)
	}
	p.Close()

	p, err = db.Open(ctx, testkit.PostgresURL(t), db.Options{Lazy: true, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if n := p.Stat().TotalConns(); n != 0 {
		t.Fatalf("%d connections before the first query, want 0", n)
	}
	var one int
	if err := p.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("first query: %v", err)
	}
}
