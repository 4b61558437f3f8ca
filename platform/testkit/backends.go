// Package testkit gives tests real backends: each test gets its own
// migrated PostgreSQL schema and its own Redis key namespace. It uses
// THEBRAIN_TEST_DATABASE_URL and THEBRAIN_TEST_REDIS_URL when set (CI points
// them at running services) and otherwise starts the same embedded
// backends as `thebrain serve`, so tests never skip.
//
// A package whose tests use the backends calls Main from TestMain, which
// stops the embedded backends when the tests are done.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/localpg"
	"github.com/thebrain/thebrain/platform/redis"
)

var (
	inMain atomic.Bool

	pgOnce    sync.Once
	pgURL     string
	pgAdmin   *pgxpool.Pool
	pgCluster *localpg.Cluster
	pgDir     string
	pgErr     error

	redisOnce     sync.Once
	redisURL      string
	redisEmbedded *redis.Embedded
	redisErr      error
)

// Main runs the package's tests and then stops whatever embedded backends
// they started. Use it as: func TestMain(m *testing.M) { testkit.Main(m) }.
func Main(m *testing.M) {
	inMain.Store(true)
	code := m.Run()
	if pgAdmin != nil {
		pgAdmin.Close()
	}
	if pgCluster != nil {
		if err := pgCluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "testkit: stop embedded PostgreSQL:", err)
		}
		os.RemoveAll(pgDir)
	}
	if redisEmbedded != nil {
		redisEmbedded.Close()
	}
	os.Exit(code)
}

func requireMain(t testing.TB) {
	t.Helper()
	if !inMain.Load() {
		t.Fatal("testkit: this package needs func TestMain(m *testing.M) { testkit.Main(m) } so embedded backends are stopped after the tests")
	}
}

func basePostgres(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	requireMain(t)
	pgOnce.Do(func() {
		ctx := context.Background()
		pgURL = os.Getenv("THEBRAIN_TEST_DATABASE_URL")
		if pgURL == "" {
			pgDir, pgErr = os.MkdirTemp("", "thebrain-testpg-")
			if pgErr != nil {
				return
			}
			// The cluster runs as the postgres user when tests run as root.
			_ = os.Chmod(pgDir, 0o755)
			pgCluster, pgErr = localpg.Start(ctx, localpg.Options{Dir: pgDir})
			if pgErr != nil {
				return
			}
			pgURL = pgCluster.URL()
		}
		pgAdmin, pgErr = db.Open(ctx, pgURL, db.Options{MaxConns: 4, ApplicationName: "thebrain-testkit"})
	})
	if pgErr != nil {
		t.Fatalf("testkit: PostgreSQL: %v", pgErr)
	}
	return pgURL, pgAdmin
}

// randomName returns prefix + 12 random hex characters.
func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// PostgresURL creates a fresh schema, migrates it up and returns a URL whose
// connections use it (search_path). The schema is dropped after the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base, admin := basePostgres(t)
	schema := randomName("t_")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("testkit: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("testkit: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testkit: database URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	schemaURL := u.String()

	mg, err := db.NewMigrator(schemaURL)
	if err != nil {
		t.Fatalf("testkit: migrator: %v", err)
	}
	defer mg.Close()
	if err := mg.Up(); err != nil {
		t.Fatalf("testkit: migrate up: %v", err)
	}
	return schemaURL
}

// Postgres returns a pool on a fresh, migrated schema of its own.
func Postgres(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := PostgresURL(t)
	pool, err := db.Open(context.Background(), u, db.Options{MaxConns: 8, ApplicationName: "thebrain-test"})
	if err != nil {
		t.Fatalf("testkit: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func baseRedis(t testing.TB) string {
	t.Helper()
	requireMain(t)
	redisOnce.Do(func() {
		redisURL = os.Getenv("THEBRAIN_TEST_REDIS_URL")
		if redisURL == "" {
			redisEmbedded, redisErr = redis.StartEmbedded()
			if redisErr == nil {
				redisURL = redisEmbedded.URL()
			}
		}
	})
	if redisErr != nil {
		t.Fatalf("testkit: Redis: %v", redisErr)
	}
	return redisURL
}

// RedisURL returns the Redis server's URL; keys must go under the prefix
// from Redis(t) to stay isolated.
func RedisURL(t testing.TB) string { return baseRedis(t) }

// Redis returns a client and a key builder whose prefix is unique to this
// test. Every key under the prefix is deleted after the test.
func Redis(t testing.TB) (*redis.Client, redis.Keys) {
	t.Helper()
	c, err := redis.Open(context.Background(), baseRedis(t))
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	keys := redis.NewKeys(randomName("t_") + ":")
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, keys.Prefix()+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, keys
}

// PrivatePostgres starts a PostgreSQL cluster of the test's own, for tests
// that stop, restart or otherwise hurt their database (never the shared
// one). Its database is migrated; the cluster is stopped and deleted after
// the test. Starting one takes seconds: share it between subtests.
func PrivatePostgres(t testing.TB) *localpg.Cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "thebrain-privatepg-")
	if err != nil {
		t.Fatal(err)
	}
	// The cluster runs as the postgres user when tests run as root.
	_ = os.Chmod(dir, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localpg.Start(ctx, localpg.Options{Dir: dir})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("testkit: private PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("testkit: stop private PostgreSQL: %v", err)
		}
		os.RemoveAll(dir)
	})
	mg, err := db.NewMigrator(c.URL())
	if err != nil {
		t.Fatalf("testkit: migrator: %v", err)
	}
	defer mg.Close()
	if err := mg.Up(); err != nil {
		t.Fatalf("testkit: migrate up: %v", err)
	}
	return c
}
