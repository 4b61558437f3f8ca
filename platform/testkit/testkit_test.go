package testkit_test

import (
	"context"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestIsolation: two tests' schemas and Redis namespaces never see each
// other, and the schema is migrated.
func TestIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testkit.Postgres(t), testkit.Postgres(t)
	testkit.User(t, a, "alice")
	var n int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("second schema sees %d users (%v)", n, err)
	}
	if err := a.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("first schema sees %d users (%v)", n, err)
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
	pool := testkit.Postgres(t)
	u := testkit.User(t, pool, "bob")
	p, err := testkit.Verifier(t).Verify(context.Background(), u.Token)
	if err != nil || p.UserID != u.ID {
		t.Fatalf("principal %+v err %v", p, err)
	}
	if _, err := testkit.Verifier(t).Verify(context.Background(), u.Token+"x"); err == nil {
		t.Fatal("tampered token verified")
	}
}
