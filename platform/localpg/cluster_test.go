package localpg

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestStartWhereThePostgresUserCannotReach: as root, a data directory under
// a private parent (a checkout in /root, or t.TempDir) still gets a working
// cluster, kept in a reachable place tied to that directory, and reused.
func TestStartWhereThePostgresUserCannotReach(t *testing.T) {
	t.Parallel()
	private := t.TempDir() // 0700, owned by the test's user
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(private, "state", "postgres")
	ctx := context.Background()
	var urls []string
	for range 2 {
		c, err := Start(ctx, Options{Dir: dir})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			_ = c.Stop()
			t.Fatal(err)
		}
		var one int
		err = conn.QueryRow(ctx, "SELECT 1").Scan(&one)
		conn.Close(ctx)
		urls = append(urls, c.URL())
		if stopErr := c.Stop(); stopErr != nil || err != nil || one != 1 {
			t.Fatalf("query %v, stop %v", err, stopErr)
		}
	}
	alt := filepath.Join(os.TempDir(), "thebrain-pg-"+shortHash(dir))
	t.Cleanup(func() { os.RemoveAll(alt) })
	_, altErr := os.Stat(filepath.Join(alt, "data", "PG_VERSION"))
	_, ownErr := os.Stat(filepath.Join(dir, "data", "PG_VERSION"))
	if os.Geteuid() == 0 {
		if altErr != nil || ownErr == nil {
			t.Fatalf("as root the cluster belongs in %s (stat: %v), not under the private directory", alt, altErr)
		}
	} else if ownErr != nil {
		t.Fatalf("as a normal user the cluster belongs in %s: %v", dir, ownErr)
	}
	// Same password both times: the second start reused the cluster.
	if passOf(urls[0]) != passOf(urls[1]) {
		t.Fatal("the second start made a new cluster instead of reusing the first")
	}
}

func passOf(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return ""
	}
	return cfg.Password
}
