package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestMigrateOnce: the migrations function brings a database that is
// behind up to the latest version and answers it; a database it cannot
// reach fails the invocation (and so the deploy) naming the setting.
func TestMigrateOnce(t *testing.T) {
	t.Parallel()
	dbURL := testkit.PostgresURL(t)
	versions := migrationVersions(t)
	latest, twoBack := versions[len(versions)-1], versions[len(versions)-3]
	env := map[string]string{"THEBRAIN_DATABASE_URL": dbURL, "THEBRAIN_DATA_DIR": t.TempDir()}
	if err := run(context.Background(), []string{"thebrain", "migrate", "down", "2"}, envMap(env), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	for range 2 { // the second run has nothing to do
		got, err := migrateOnce(context.Background(), cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != latest || got.Latest != latest {
			t.Fatalf("migrateOnce = %+v, want version %d (from %d)", got, latest, twoBack)
		}
	}

	env["THEBRAIN_DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"
	cfg, err = config.Load(envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrateOnce(context.Background(), cfg, logger); err == nil || !strings.Contains(err.Error(), "THEBRAIN_DATABASE_URL") {
		t.Fatalf("unreachable database: err = %v", fmt.Sprint(err))
	}
}
