package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/localpg"
	"github.com/thebrain/thebrain/platform/testkit"
)

// outageRig is the whole server (every module, the real router and
// wiring) on a private PostgreSQL cluster that the test stops, restarts
// and reaches through a fault proxy.
type outageRig struct {
	cluster *localpg.Cluster
	proxy   *testkit.Proxy
	cfg     config.Config
	base    string // the server's URL
	http    *http.Client
}

// outageConfig is a deployment on the rig's database: its own Redis
// namespace and no sign-in rate limit (the test signs in during faults on
// purpose).
func outageConfig(t testing.TB, dbURL string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	cfg.DatabaseMaxConns = 8
	cfg.RedisURL = testkit.RedisURL(t)
	_, keys := testkit.Redis(t)
	cfg.RedisPrefix = keys.Prefix()
	cfg.AuthIPRate = 1_000_000
	return cfg
}

func newOutageRig(t testing.TB) *outageRig {
	t.Helper()
	cluster := testkit.PrivatePostgres(t)
	proxy := testkit.NewProxy(t, cluster.URL())
	rig := &outageRig{cluster: cluster, proxy: proxy, cfg: outageConfig(t, proxy.URL())}
	return rig.withServer(t, nil)
}

// withServer returns the rig with another server process of the same
// deployment (keys, Redis namespace, database behind the proxy), its
// configuration changed by tune.
func (r *outageRig) withServer(t testing.TB, tune func(*config.Config)) *outageRig {
	t.Helper()
	cfg := r.cfg
	if tune != nil {
		tune(&cfg)
	}
	srv := testkit.Server(t, instance(t, cfg))
	return &outageRig{cluster: r.cluster, proxy: r.proxy, cfg: r.cfg, base: srv.URL, http: srv.HTTP}
}

// reply is one answer, as much of it as the checks need.
type reply struct {
	status      int
	contentType string
	problemType string
	retryAfter  string
	body        []byte
	took        time.Duration
	err         error
}

// call sends one request; safe from any goroutine.
func (r *outageRig) call(method, path, token string, body any) reply {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		return reply{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := r.http.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	var p struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(b, &p)
	return reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), problemType: p.Type,
		retryAfter: resp.Header.Get("Retry-After"), body: b, took: time.Since(start), err: err}
}

const unavailableType = "https://api.thebrain.app/problems/unavailable"

// wantUnavailable checks the documented outage answer: 503, problem+json
// of type unavailable, and a Retry-After of at least a second.
func wantUnavailable(t testing.TB, what string, r reply) {
	t.Helper()
	secs, _ := strconv.Atoi(r.retryAfter)
	if r.err != nil || r.status != http.StatusServiceUnavailable || r.contentType != "application/problem+json" ||
		r.problemType != unavailableType || secs < 1 {
		t.Fatalf("%s during the outage: %d %s Retry-After %q %s (err %v); want 503 unavailable with Retry-After",
			what, r.status, r.contentType, r.retryAfter, r.body, r.err)
	}
}

// session is a signed-up user.
type session struct {
	email, password, access, refresh string
}

func (r *outageRig) signup(t testing.TB, email string) session {
	t.Helper()
	s := session{email: email, password: "seven quiet harbours at dusk"}
	resp := r.call("POST", "/api/v1/auth/signup", "", map[string]string{"email": email, "password": s.password, "full_name": "Outage"})
	if resp.status != http.StatusCreated {
		t.Fatalf("signup: %d %s", resp.status, resp.body)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(resp.body, &tok); err != nil {
		t.Fatal(err)
	}
	s.access, s.refresh = tok.AccessToken, tok.RefreshToken
	return s
}

// burst sends GET path from workers goroutines for d and returns every
// answer and the connection attempts the server made meanwhile.
func (r *outageRig) burst(workers int, d time.Duration, path, token string) ([]reply, int64) {
	before := r.proxy.Accepted()
	var mu sync.Mutex
	var all []reply
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				resp := r.call("GET", path, token, nil)
				mu.Lock()
				all = append(all, resp)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all, r.proxy.Accepted() - before
}

// awaitStatus polls GET path until it answers want, for at most limit.
func (r *outageRig) awaitStatus(t testing.TB, path, token string, want int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last reply
	for time.Since(start) < limit {
		if last = r.call("GET", path, token, nil); last.status == want {
			return time.Since(start)
		}
		if last.status != http.StatusServiceUnavailable && last.status != http.StatusGatewayTimeout {
			t.Fatalf("GET %s while recovering: %d %s", path, last.status, last.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s did not answer %d within %s: last %d %s", path, want, limit, last.status, last.body)
	return 0
}

// checkBurst: every answer of a burst during an outage is the documented
// 503, none took long, and the server dialled a handful of times, not once
// per request. With 8 pool slots: at most 8 attempts already under way,
// 8 cancel requests for pooled connections that broke, and one probe per
// pause (100 ms doubling: 5 in 1.5 s).
func checkBurst(t *testing.T, replies []reply, dials int64) {
	t.Helper()
	var slowest time.Duration
	for _, r := range replies {
		wantUnavailable(t, "GET /api/v1/projects", r)
		slowest = max(slowest, r.took)
	}
	t.Logf("%d requests, all 503 unavailable, slowest %s; %d connection attempts", len(replies), slowest, dials)
	if dials > 2*8+8 {
		t.Fatalf("%d connection attempts during the outage: the server dials per request instead of failing fast", dials)
	}
	// Failing fast: nobody waited for the 5 s acquire timeout (generous
	// bound for a loaded machine).
	if slowest > 3*time.Second {
		t.Fatalf("slowest answer %s during the outage: requests wait instead of failing fast", slowest)
	}
}

// TestDatabaseOutage: while PostgreSQL is down, restarting or refusing
// sessions, every request through the real server answers 503 unavailable
// with Retry-After (sign-up, login and refresh too), fast and without a
// connection attempt per request; health reports the database down; and
// the server recovers by itself when PostgreSQL is back.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	rig := newOutageRig(t)
	alice := rig.signup(t, "alice@outage.example")
	if r := rig.call("POST", "/api/v1/projects", alice.access, map[string]string{"title": "Storm Book"}); r.status != http.StatusCreated {
		t.Fatalf("create project: %d %s", r.status, r.body)
	}
	const window = 1500 * time.Millisecond

	t.Run("PostgreSQL stopped", func(t *testing.T) {
		if err := rig.cluster.Stop(); err != nil {
			t.Fatal(err)
		}
		replies, dials := rig.burst(4, window, "/api/v1/projects", alice.access)
		checkBurst(t, replies, dials)
		wantUnavailable(t, "login", rig.call("POST", "/api/v1/auth/login", "", map[string]string{"email": alice.email, "password": alice.password}))
		wantUnavailable(t, "signup", rig.call("POST", "/api/v1/auth/signup", "", map[string]string{"email": "bob@outage.example", "password": alice.password}))
		wantUnavailable(t, "refresh", rig.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": alice.refresh}))
		for _, path := range []string{"/readyz", "/api/v1/health"} {
			r := rig.call("GET", path, "", nil)
			var h struct {
				Checks map[string]string `json:"checks"`
			}
			_ = json.Unmarshal(r.body, &h)
			if r.status != http.StatusServiceUnavailable || h.Checks["database"] != "unavailable" || h.Checks["redis"] != "ok" {
				t.Fatalf("%s during the outage: %d %s", path, r.status, r.body)
			}
		}

		if err := rig.cluster.Resume(context.Background()); err != nil {
			t.Fatal(err)
		}
		took := rig.awaitStatus(t, "/api/v1/projects", alice.access, http.StatusOK, 15*time.Second)
		t.Logf("serving again %s after PostgreSQL was back", took)
		if r := rig.call("POST", "/api/v1/auth/login", "", map[string]string{"email": alice.email, "password": alice.password}); r.status != http.StatusOK {
			t.Fatalf("login after recovery: %d %s", r.status, r.body)
		}
		if r := rig.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": alice.refresh}); r.status != http.StatusOK {
			t.Fatalf("refresh after recovery: %d %s", r.status, r.body)
		}
		if r := rig.call("GET", "/readyz", "", nil); r.status != http.StatusOK {
			t.Fatalf("readyz after recovery: %d %s", r.status, r.body)
		}
	})

	t.Run("starting up (57P03) after the connections were reset", func(t *testing.T) {
		rig.proxy.Respond(testkit.PostgresStartingUp)
		rig.proxy.ResetAll()
		replies, dials := rig.burst(4, window, "/api/v1/projects", alice.access)
		wantUnavailable(t, "signup", rig.call("POST", "/api/v1/auth/signup", "", map[string]string{"email": "carol@outage.example", "password": alice.password}))
		rig.proxy.Heal()
		checkBurst(t, replies, dials)
		rig.awaitStatus(t, "/api/v1/projects", alice.access, http.StatusOK, 15*time.Second)
	})

	t.Run("sessions ended by an administrator (57P01)", func(t *testing.T) {
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, rig.cluster.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close(ctx)
		var ended int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE application_name = 'thebrain' AND pid <> pg_backend_pid()) t`).Scan(&ended); err != nil || ended == 0 {
			t.Fatalf("terminated %d sessions: %v", ended, err)
		}
		// Requests on a terminated session answer 503; the pool drops it
		// and the next request gets a fresh one. Nothing is a 500.
		for i := range 20 {
			r := rig.call("GET", "/api/v1/projects", alice.access, nil)
			if r.status == http.StatusOK {
				return
			}
			wantUnavailable(t, "GET /api/v1/projects #"+strconv.Itoa(i), r)
		}
		t.Fatal("no 200 in 20 requests after the sessions were ended")
	})
	// A database that stops answering without closing anything (a hung
	// server or a network partition) costs a request at most the acquire
	// timeout (503 unavailable) or its own deadline (504 timeout), never a
	// 500, and the server recovers when it answers again.
	t.Run("frozen", func(t *testing.T) {
		frozen := rig.withServer(t, func(cfg *config.Config) {
			cfg.DatabaseAcquireTimeout = 500 * time.Millisecond
			cfg.RequestTimeout = 3 * time.Second
		})
		frozen.awaitStatus(t, "/api/v1/projects", alice.access, http.StatusOK, 15*time.Second)
		frozen.proxy.Freeze()
		const requests = 12 // more than the pool's 8 connections
		replies := make([]reply, requests)
		var wg sync.WaitGroup
		for i := range requests {
			wg.Go(func() { replies[i] = frozen.call("GET", "/api/v1/projects", alice.access, nil) })
		}
		wg.Wait()
		frozen.proxy.Heal()
		counts := map[int]int{}
		for _, r := range replies {
			counts[r.status]++
			switch r.status {
			case http.StatusServiceUnavailable:
				wantUnavailable(t, "GET /api/v1/projects", r)
			case http.StatusGatewayTimeout:
			default:
				t.Fatalf("while frozen: %d %s (err %v); want 503 or 504", r.status, r.body, r.err)
			}
			if r.took > 10*time.Second {
				t.Fatalf("a request took %s while frozen", r.took)
			}
		}
		t.Logf("while frozen: %v", counts)
		if counts[http.StatusServiceUnavailable] < requests-8 {
			t.Fatalf("while frozen %v: the requests beyond the pool size must get 503 after the acquire timeout", counts)
		}
		frozen.awaitStatus(t, "/api/v1/projects", alice.access, http.StatusOK, 20*time.Second)

		// A session nobody has checked yet is checked in the database,
		// before the route's request timeout applies: a frozen database
		// still gets an answer, not a request held forever.
		login := frozen.call("POST", "/api/v1/auth/login", "", map[string]string{"email": alice.email, "password": alice.password})
		var fresh struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(login.body, &fresh); login.status != http.StatusOK || err != nil || fresh.AccessToken == "" {
			t.Fatalf("login: %d %s", login.status, login.body)
		}
		frozen.proxy.Freeze()
		got := make(chan reply, 1)
		go func() { got <- frozen.call("GET", "/api/v1/projects", fresh.AccessToken, nil) }()
		select {
		case r := <-got:
			frozen.proxy.Heal()
			if r.status != http.StatusServiceUnavailable || r.took > 10*time.Second {
				t.Fatalf("a new session's request while frozen: %d after %s %s; want 503 within 10 s", r.status, r.took, r.body)
			}
			wantUnavailable(t, "GET /api/v1/projects with a new session", r)
		case <-time.After(20 * time.Second):
			frozen.proxy.Heal()
			t.Fatal("a new session's request while frozen got no answer in 20 s")
		}
		frozen.awaitStatus(t, "/api/v1/projects", fresh.AccessToken, http.StatusOK, 20*time.Second)
	})
}
