package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestInTxCommitsAndRollsBack(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	insert := func(tx pgx.Tx, email string) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (id, email, email_canonical, password_hash) VALUES ($1, $2, $2, '!')`, uuid.New(), email)
		return err
	}
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return insert(tx, "kept@example.test") }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := insert(tx, "dropped@example.test"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = db.InTx(ctx, pool, func(tx pgx.Tx) error {
			_ = insert(tx, "panicked@example.test")
			panic("in tx")
		})
	}()
	var emails []string
	rows, _ := pool.Query(ctx, `SELECT email FROM users ORDER BY email`)
	emails, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 || emails[0] != "kept@example.test" {
		t.Fatalf("users = %v, want only the committed one", emails)
	}
}

func TestErrorHelpers(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO users (id, email, email_canonical, password_hash) VALUES ($1, 'a@x.test', 'a@x.test', '!')`, uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO users (id, email, email_canonical, password_hash) VALUES ($1, 'a@x.test', 'a@x.test', '!')`, uuid.New())
	if !db.IsUniqueViolation(err, "users_email_canonical_key") || !db.IsUniqueViolation(err, "") || db.IsUniqueViolation(err, "other") {
		t.Fatalf("unique violation not recognised: %v", err)
	}
	err = pool.QueryRow(ctx, `SELECT id FROM users WHERE false`).Scan(new(uuid.UUID))
	if !db.IsNoRows(err) {
		t.Fatalf("no rows not recognised: %v", err)
	}
}

func TestUpdatedAtMaintainedByTheDatabase(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	id := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO users (id, email, email_canonical, password_hash, created_at, updated_at)
		VALUES ($1, 'u@x.test', 'u@x.test', '!', now() - interval '1 day', now() - interval '1 day')`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE users SET full_name = 'U' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	var fresh bool
	if err := pool.QueryRow(ctx, `SELECT updated_at > now() - interval '1 minute' AND created_at < now() - interval '1 hour' FROM users WHERE id = $1`, id).Scan(&fresh); err != nil || !fresh {
		t.Fatalf("updated_at not maintained (fresh=%v, err=%v)", fresh, err)
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
