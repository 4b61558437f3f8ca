package testkit_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestIsolation: two tests' schemas and Redis namespaces never see each
// other, and each schema is migrated.
func TestIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testkit.Postgres(t), testkit.Postgres(t)
	for _, pool := range []*pgxpool.Pool{a, b} {
		var version int
		var dirty bool
		if err := pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty); err != nil || version == 0 || dirty {
			t.Fatalf("schema at version %d (dirty %v, %v), want migrated", version, dirty, err)
		}
	}
	if _, err := a.Exec(ctx, `CREATE TABLE isolation_probe (x int); INSERT INTO isolation_probe VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	var seen *string
	if err := b.QueryRow(ctx, `SELECT to_regclass('isolation_probe')::text`).Scan(&seen); err != nil || seen != nil {
		t.Fatalf("second schema sees the first one's table (%v, %v)", seen, err)
	}
	var n int
	if err := a.QueryRow(ctx, `SELECT count(*) FROM isolation_probe`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("first schema sees %d rows (%v)", n, err)
	}
	ra, ka := testkit.Redis(t)
	_, kb := testkit.Redis(t)
	if ka.Prefix() == kb.Prefix() {
		t.Fatal("two tests share a Redis prefix")
	}
	if err := ra.Set(ctx, ka.Key("x"), "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := ra.Exists(ctx, kb.Key("x")).Result(); v != 0 {
		t.Fatal("key visible under another prefix")
	}
}

func TestTokensVerify(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	tok := testkit.Token(t, id)
	p, err := testkit.Verifier(t).Verify(context.Background(), tok)
	if err != nil || p.UserID != id {
		t.Fatalf("principal %+v err %v", p, err)
	}
	if _, err := testkit.Verifier(t).Verify(context.Background(), tok+"x"); err == nil {
		t.Fatal("tampered token verified")
	}
}
