package main

import (
	"context"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestAccessPool: serve and lambda open a second, small pool for role
// checks (see projects.Deps.AccessDB), named so it can be told apart in
// pg_stat_activity, and close it with the rest.
func TestAccessPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct{ main, access int32 }{{20, 5}, {8, 2}, {1, 2}} {
		cfg := testConfig(t)
		cfg.DatabaseMaxConns = tc.main
		b, err := openBackends(ctx, cfg, testkit.Logger(t), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.accessPool.Config().MaxConns; got != tc.access {
			t.Errorf("main pool of %d: access pool of %d connections, want %d", tc.main, got, tc.access)
		}
		var name string
		if err := b.accessPool.QueryRow(ctx, `SELECT current_setting('application_name')`).Scan(&name); err != nil || name != "thebrain-access" {
			t.Errorf("access pool application_name = %q (%v), want thebrain-access", name, err)
		}
		b.Close()
		if err := b.accessPool.Ping(ctx); err == nil {
			t.Error("the access pool answers after Close")
		}
	}
}
