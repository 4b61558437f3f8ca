package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// Fault tests: Redis killed, frozen, restarted, or unreachable from one
// server process only; PostgreSQL unreachable from one process. Every
// fault is injected into processes or proxies the test starts itself
// (testkit.RedisServer, testkit.NewProxy); the shared services are never
// touched. docs/reliability.md, "Redis faults and revocation", lists what
// each test proves.

// node is one server process of a deployment, as serve runs it, with its
// backends in reach of the test.
type node struct {
	*testkit.Client
	b *backends
	a *app
}

func startNode(t *testing.T, cfg config.Config) node {
	t.Helper()
	return startNodeFollowing(t, cfg, true)
}

// startLambdaNode is a process as the lambda mode runs it: no background
// work, so no copy of the denylist and no drain loop.
func startLambdaNode(t *testing.T, cfg config.Config) node {
	t.Helper()
	return startNodeFollowing(t, cfg, false)
}

func startNodeFollowing(t *testing.T, cfg config.Config, follow bool) node {
	t.Helper()
	logger := testkit.Logger(t)
	b, err := openBackends(context.Background(), cfg, logger, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	h, a, err := newHandler(cfg, logger, b)
	if err != nil {
		t.Fatal(err)
	}
	if follow {
		ctx, cancel := context.WithCancel(context.Background())
		wait := a.follow(ctx)
		t.Cleanup(func() { cancel(); wait() }) // before the backends close
	}
	return node{Client: testkit.Server(t, h), b: b, a: a}
}

// await polls cond every 5 ms until it holds, failing after 15 s.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (n node) live() bool      { return n.a.auth.DenylistLive() }
func (n node) redisDown() bool { return !n.b.redis.Available() }
func (n node) redisUp() bool   { return n.b.redis.Available() }

func (n node) login(t *testing.T, email, password string) *testkit.Response {
	t.Helper()
	return n.Send("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
}

func loginTokens(t *testing.T, n node, email, password string) signedUp {
	t.Helper()
	r := n.login(t, email, password)
	testkit.WantStatus(t, r, http.StatusOK)
	var s signedUp
	r.JSON(t, &s)
	return s
}

// quickReads sends n authenticated reads to each node and fails as soon as
// they have taken longer than budget in total. A request that waited for
// Redis (its retries when killed, the 2 s read timeout when frozen) blows
// the budget within a few requests; served from PostgreSQL they take
// milliseconds.
func quickReads(t *testing.T, what string, n int, budget time.Duration, tok string, nodes ...node) {
	t.Helper()
	start := time.Now()
	for i := range n {
		for _, nd := range nodes {
			testkit.WantStatus(t, nd.Get("/api/v1/auth/me", tok), http.StatusOK)
		}
		if d := time.Since(start); d > budget {
			t.Fatalf("%s: %d of %d rounds of reads took %s, over the %s budget: requests wait for Redis", what, i+1, n, d, budget)
		}
	}
	t.Logf("%s: %d rounds of reads on %d processes in %s", what, n, len(nodes), time.Since(start).Round(time.Millisecond))
}

func wantRetryAfter503(t *testing.T, r *testkit.Response) {
	t.Helper()
	testkit.WantProblem(t, r, http.StatusServiceUnavailable, "unavailable")
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("%s: Retry-After = %q, want seconds", r.Request.URL.Path, r.Header.Get("Retry-After"))
	}
}

// TestEmbeddedRedisLockEnds: with nothing configured (the embedded Redis),
// six bad logins lock the account for a second, not until restart.
func TestEmbeddedRedisLockEnds(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.RedisURL = "" // the embedded server, as `thebrain serve` runs with nothing configured
	cfg.AuthIPRate = 10_000
	n := startNode(t, cfg)
	const email, password = "six@embedded.example", "a long and quiet corridor"
	signup(t, n.Client, email, password, "Six")
	for range 6 {
		testkit.WantStatus(t, n.login(t, email, "not the password at all"), http.StatusUnauthorized)
	}
	testkit.WantProblem(t, n.login(t, email, password), http.StatusTooManyRequests, "rate-limited")
	await(t, "the 1 s lock to end", func() bool {
		time.Sleep(100 * time.Millisecond)
		return n.login(t, email, password).StatusCode == http.StatusOK
	})
}

// TestRedisOutage: Redis killed, restarted, frozen and thawed under two
// server processes. Authenticated reads keep working from PostgreSQL
// without waiting for Redis, revoked tokens stay refused, sign-in answers
// 503 with Retry-After, and everything returns to Redis by itself.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := testkit.RedisServer(t)
	cfg := testConfig(t)
	cfg.RedisURL = srv.URL()
	a, b := startNode(t, cfg), startNode(t, cfg)
	const email, password = "outage@redis.example", "lanterns along the harbour wall"
	first := signup(t, a.Client, email, password, "Outage").AccessToken
	second := loginTokens(t, a, email, password)
	await(t, "both copies live", func() bool { return a.live() && b.live() })
	quickReads(t, "Redis up", 5, 10*time.Second, second.AccessToken, a, b)

	// Killed: the lost subscriptions open both breakers.
	srv.Kill()
	await(t, "both breakers open after the kill", func() bool { return a.redisDown() && b.redisDown() })
	quickReads(t, "Redis killed", 100, 4*time.Second, second.AccessToken, a, b)
	testkit.WantStatus(t, a.Send("POST", "/api/v1/auth/logout", first, nil), http.StatusNoContent)
	for _, n := range []node{a, b} {
		testkit.WantProblem(t, n.Get("/api/v1/auth/me", first), http.StatusUnauthorized, "unauthenticated")
	}
	wantRetryAfter503(t, a.login(t, email, password))
	wantRetryAfter503(t, a.Send("POST", "/api/v1/auth/signup", "", map[string]string{"email": "new@redis.example", "password": password}))
	wantRetryAfter503(t, a.Send("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken}))

	// Restarted (empty): the probes find it, the copies come back, and the
	// logout made during the outage reaches Redis from the revocation log.
	srv.Restart()
	await(t, "both breakers closed and copies live after the restart", func() bool {
		return a.redisUp() && b.redisUp() && a.live() && b.live()
	})
	await(t, "the revocation log drained", func() bool { return authtest.PendingRevocations(t, a.b.pool) == 0 })
	for _, n := range []node{a, b} {
		testkit.WantStatus(t, n.Get("/api/v1/auth/me", first), http.StatusUnauthorized)
		testkit.WantStatus(t, n.Get("/api/v1/auth/me", second.AccessToken), http.StatusOK)
	}
	testkit.WantStatus(t, a.login(t, email, password), http.StatusOK)

	// Frozen (SIGSTOP): connections stay open, nothing answers. The silent
	// subscriptions open the breakers; no request waits for the 2 s read
	// timeout.
	srv.Freeze()
	await(t, "both breakers open after the freeze", func() bool { return a.redisDown() && b.redisDown() })
	quickReads(t, "Redis frozen", 100, 4*time.Second, second.AccessToken, a, b)
	testkit.WantStatus(t, b.Get("/api/v1/auth/me", first), http.StatusUnauthorized)
	wantRetryAfter503(t, b.login(t, email, password))
	srv.Thaw()
	await(t, "both breakers closed and copies live after the thaw", func() bool {
		return a.redisUp() && b.redisUp() && a.live() && b.live()
	})
	testkit.WantStatus(t, b.login(t, email, password), http.StatusOK)
}

// redisVia returns cfg with its Redis reached through a new proxy.
func redisVia(t *testing.T, cfg config.Config) (config.Config, *testkit.Proxy) {
	p := testkit.NewProxy(t, cfg.RedisURL)
	cfg.RedisURL = p.URL()
	return cfg, p
}

// databaseVia returns cfg with its PostgreSQL reached through a new proxy.
func databaseVia(t *testing.T, cfg config.Config) (config.Config, *testkit.Proxy) {
	p := testkit.NewProxy(t, cfg.DatabaseURL)
	cfg.DatabaseURL = p.URL()
	return cfg, p
}

// TestRevocationWhenDenylistWriteFails: the process that logs a session
// out cannot write Redis, while two other processes, which saw the session
// a moment ago, still reach Redis: one follows it (serve), one asks it on
// each request (lambda). The revocation reaches both from PostgreSQL's
// revocation log in about a second, not after their 30 s cache of the
// session.
func TestRevocationWhenDenylistWriteFails(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfgA, cutA := redisVia(t, cfg)
	a, b, l := startNode(t, cfgA), startNode(t, cfg), startLambdaNode(t, cfg)
	const email, password = "partition@redis.example", "a bridge that only one side sees"
	gone := signup(t, a.Client, email, password, "Split").AccessToken
	kept := loginTokens(t, a, email, password).AccessToken
	await(t, "the copies live", func() bool { return a.live() && b.live() })
	for _, n := range []node{b, l} { // both cache the sessions as live
		testkit.WantStatus(t, n.Get("/api/v1/auth/me", gone), http.StatusOK)
		testkit.WantStatus(t, n.Get("/api/v1/auth/me", kept), http.StatusOK)
	}

	cutA.Cut()
	start := time.Now()
	testkit.WantStatus(t, a.Send("POST", "/api/v1/auth/logout", gone, nil), http.StatusNoContent)
	testkit.WantStatus(t, a.Get("/api/v1/auth/me", gone), http.StatusUnauthorized)
	for name, n := range map[string]node{"following": b, "lambda": l} {
		await(t, "the "+name+" process to refuse the logged-out token", func() bool {
			return n.Get("/api/v1/auth/me", gone).StatusCode == http.StatusUnauthorized
		})
		// drainEvery is 1 s and a pass that fails leaves cached answers
		// untrusted after 3 s; 10 s is room for a loaded machine, and a
		// third of the 30 s the cache would otherwise have lasted.
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("the %s process refused the token only after %s", name, d)
		}
		testkit.WantStatus(t, n.Get("/api/v1/auth/me", kept), http.StatusOK)
	}
}

// TestRevocationWhenNobodyCanDrain: the revoking process cannot write
// Redis and the only other process cannot read PostgreSQL, so nobody can
// deliver the revocation. The other process must stop trusting its cached
// "session is live" answer (it cannot confirm it is current) and ask the
// database, which it cannot reach: its verifier refuses the token as
// unavailable rather than accept it. (Asked directly: any route would fail
// on the missing database anyway.)
func TestRevocationWhenNobodyCanDrain(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfgA, cutA := redisVia(t, cfg)
	cfgC, cutC := databaseVia(t, cfg)
	a, c := startNode(t, cfgA), startNode(t, cfgC)
	const email, password = "stranded@redis.example", "two rooms without a door"
	tok := signup(t, a.Client, email, password, "Stranded").AccessToken
	await(t, "both copies live", func() bool { return a.live() && c.live() })
	testkit.WantStatus(t, c.Get("/api/v1/auth/me", tok), http.StatusOK) // c caches the session as live
	verify := func() error {
		_, err := c.a.auth.Verifier().Verify(context.Background(), tok)
		return err
	}

	if err := verify(); err != nil {
		t.Fatalf("before the cuts: %v", err)
	}
	cutA.Cut()
	cutC.Cut()
	start := time.Now()
	testkit.WantStatus(t, a.Send("POST", "/api/v1/auth/logout", tok, nil), http.StatusNoContent)
	await(t, "the other process to stop accepting the token", func() bool { return verify() != nil })
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the other process accepted the revoked token for %s", d)
	}
	if err := verify(); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("Verify = %v, want unavailable (the database cannot be asked)", err)
	}
}
