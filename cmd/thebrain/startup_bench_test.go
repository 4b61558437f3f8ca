package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// BenchmarkServeStartup measures the time from run() to the first 200 from
// /healthz, and the graceful stop, for the two ways serve finds a database.
func BenchmarkServeStartup(b *testing.B) {
	b.Run("external_database", func(b *testing.B) {
		env := map[string]string{
			"THEBRAIN_DATABASE_URL": testkit.PostgresURL(b),
			"THEBRAIN_REDIS_URL":    testkit.RedisURL(b),
			"THEBRAIN_DATA_DIR":     b.TempDir(),
			"THEBRAIN_LOG_LEVEL":    "error",
		}
		for b.Loop() {
			_, stop, _ := startServe(b, env)
			b.StopTimer()
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("embedded_existing_cluster", func(b *testing.B) {
		parent, err := os.MkdirTemp("", "thebrain-bench-")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(parent)
		_ = os.Chmod(parent, 0o755)
		env := map[string]string{"THEBRAIN_DATA_DIR": filepath.Join(parent, "state"), "THEBRAIN_LOG_LEVEL": "error"}
		_, stop, _ := startServe(b, env) // initialise the cluster once, untimed
		if err := stop(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			_, stop, _ := startServe(b, env)
			b.StopTimer()
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
}
