package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/testkit"
)

func openPrivate(t *testing.T) (*testkit.RedisProcess, *redis.Client) {
	t.Helper()
	srv := testkit.RedisServer(t)
	c, err := redis.Open(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c.SetLogger(testkit.Logger(t))
	t.Cleanup(func() { c.Close() })
	return srv, c
}

// failsFast runs n commands and pipelines, which must all be refused by the
// breaker without waiting for Redis. Without the breaker each would cost
// its retries (killed) or the 2 s read timeout (frozen): n of them take far
// longer than the bound.
func failsFast(t *testing.T, c *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	for range n {
		if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.ErrUnavailable) {
			t.Fatalf("GET with the breaker open: err = %v, want ErrUnavailable", err)
		}
		_, err := c.TxPipelined(ctx, func(p goredis.Pipeliner) error { p.Set(ctx, "k", "v", 0); return nil })
		if !errors.Is(err, redis.ErrUnavailable) {
			t.Fatalf("pipeline with the breaker open: err = %v, want ErrUnavailable", err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("%d refused commands took %s: they waited for Redis", 2*n, d)
	}
}

func recovers(t *testing.T, c *redis.Client) {
	t.Helper()
	select {
	case <-c.Recovered():
	case <-time.After(10 * time.Second):
		t.Fatal("the breaker did not close within 10 s of Redis answering again")
	}
	if !c.Available() {
		t.Fatal("Recovered fired while the breaker is open")
	}
	if err := c.Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// TestBreakerKilledRedis: a crashed Redis costs one failed command; the
// next ones fail at once, and a restarted Redis is used again by itself.
func TestBreakerKilledRedis(t *testing.T) {
	t.Parallel()
	srv, c := openPrivate(t)
	ctx := context.Background()

	// Answers from Redis, even errors, and callers giving up are not outages.
	if err := c.Do(ctx, "NOSUCHCOMMAND").Err(); err == nil {
		t.Fatal("unknown command accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_ = c.Get(cancelled, "k").Err()
	if !c.Available() {
		t.Fatal("an error reply or a cancelled call opened the breaker")
	}

	srv.Kill()
	if err := c.Get(ctx, "k").Err(); err == nil || errors.Is(err, redis.ErrUnavailable) {
		t.Fatalf("first command after the kill: err = %v, want the network error", err)
	}
	if c.Available() {
		t.Fatal("the breaker is still closed after a command could not reach Redis")
	}
	failsFast(t, c, 100)
	srv.Restart()
	recovers(t, c)
}

// TestBreakerFrozenRedis: a Redis that accepts connections but answers
// nothing (SIGSTOP) costs one read timeout, not one per command.
func TestBreakerFrozenRedis(t *testing.T) {
	t.Parallel()
	srv, c := openPrivate(t)
	ctx := context.Background()
	srv.Freeze()
	if err := c.Get(ctx, "k").Err(); err == nil || errors.Is(err, redis.ErrUnavailable) {
		t.Fatalf("first command after the freeze: err = %v, want a timeout", err)
	}
	if c.Available() {
		t.Fatal("the breaker is still closed after a timeout")
	}
	failsFast(t, c, 100)
	srv.Thaw()
	recovers(t, c)
}

// TestBreakerReportedFailure: failures seen outside commands (a pub/sub
// connection gone silent) open the breaker without a command paying for
// it; a probe closes it again when Redis answers.
func TestBreakerReportedFailure(t *testing.T) {
	t.Parallel()
	srv, c := openPrivate(t)
	c.ReportFailure(context.Background(), redis.ErrUnavailable)
	c.ReportFailure(context.Background(), goredis.Nil)
	if !c.Available() {
		t.Fatal("the breaker's own refusal or a Redis answer opened it")
	}
	srv.Kill()
	c.ReportFailure(context.Background(), errors.New("subscription silent"))
	if c.Available() {
		t.Fatal("a reported failure did not open the breaker")
	}
	failsFast(t, c, 10)
	srv.Restart()
	recovers(t, c)
}
