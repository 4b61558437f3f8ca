package projects_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

// The GET-project benchmarks compare the real API (router, middleware,
// token verification, one query for the project, the caller's role and the
// word count) with a minimal server that does only the primary-key SELECT
// and JSON encoding, under the same concurrent load. Run both in one go, as docs/perf.md does:
//
//	go test -run '^$' -bench GetProjectVsBaseline -benchtime 1x ./modules/projects/

// benchClients is how many requests are in flight at once.
const benchClients = 16

type benchFixture struct {
	pool       *pgxpool.Pool
	accessPool *pgxpool.Pool
	users      projects.UserDirectory
	project    uuid.UUID
	owner      uuid.UUID
	// verifier is built like the server's: cached signature check, then
	// the Redis denylist, then (every 30 s) the session in the database.
	verifier authn.Verifier
	// uncached verifies the signature on every request and nothing else.
	uncached authn.Verifier
	token    string
}

type signatureOnly struct{ v *token.Verifier }

func (s signatureOnly) Verify(ctx context.Context, raw string) (authn.Principal, error) {
	c, err := s.v.Verify(ctx, raw)
	if err != nil {
		return authn.Principal{}, authn.ErrUnauthenticated
	}
	return authn.Principal{UserID: c.UserID, SessionID: c.SessionID}, nil
}

// productionVerifier returns the auth module's verifier, as serve runs it
// (token.Verifier with its cache, authn.Denylist on real Redis followed in
// memory, the session check in the database), a verifier of the signature
// alone, and a token for a live session of userID.
func productionVerifier(b *testing.B, accounts *authtest.Accounts, userID uuid.UUID) (v, uncached authn.Verifier, raw string) {
	b.Helper()
	mod := accounts.Module()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go mod.FollowRevocations(ctx)
	for !mod.DenylistLive() {
		time.Sleep(time.Millisecond)
	}
	return mod.Verifier(), signatureOnly{accounts.SignatureVerifier()}, accounts.SignIn(b, userID)
}

// newBenchFixture seeds one book with 50 chapters (the word count sums
// them) owned by a user with a valid access token, among other owners' books.
func newBenchFixture(b *testing.B) benchFixture {
	b.Helper()
	pool := testkit.Postgres(b)
	owner := authtest.User(b, pool, "owner")
	ctx := context.Background()
	var id uuid.UUID
	err := pool.QueryRow(ctx, `INSERT INTO projects (id, owner_id, title, description, genre, target_word_count)
		VALUES ($1, $2, 'The Benchmark', 'A book that is read very often.', 'Thriller', 90000) RETURNING id`,
		uuid.Must(uuid.NewV7()), owner.ID).Scan(&id)
	if err != nil {
		b.Fatal(err)
	}
	for g := range 50 {
		chapterstest.Add(b, pool, id, fmt.Sprintf("Chapter %d", g), 1000+g)
	}
	seed := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO projects (owner_id, title) SELECT $1, 'Other ' || g FROM generate_series(1, 1000) g`, []any{owner.ID}},
		{`ANALYZE projects`, nil}, {`ANALYZE chapters`, nil}, {`ANALYZE project_members`, nil},
	}
	for _, st := range seed {
		if _, err := pool.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatal(err)
		}
	}
	accounts := authtest.New(b, pool)
	v, uncached, raw := productionVerifier(b, accounts, owner.ID)
	return benchFixture{pool: pool, accessPool: accessPool(b, pool), users: accounts.Module(), project: id, owner: owner.ID,
		verifier: v, uncached: uncached, token: raw}
}

// getter sends authenticated GETs over keep-alive connections and times them.
type getter struct {
	client *http.Client
	token  string
	failed atomic.Int64
}

func newGetter(token string) *getter {
	tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}
	return &getter{client: &http.Client{Transport: tr}, token: token}
}

func (g *getter) get(url string) time.Duration {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+g.token)
	start := time.Now()
	resp, err := g.client.Do(req)
	if err != nil {
		g.failed.Add(1)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		g.failed.Add(1)
	}
	return time.Since(start)
}

// window keeps benchClients requests in flight for d and returns every
// request's latency.
func (g *getter) window(url string, d time.Duration) []time.Duration {
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				mine = append(mine, g.get(url))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

// load sends GETs to url from benchClients goroutines until b.N requests
// have been answered, then reports throughput and latency percentiles.
func load(b *testing.B, url, token string) {
	b.Helper()
	g := newGetter(token)
	for range benchClients { // warm connections and the pool
		g.get(url)
	}
	var mu sync.Mutex
	var all []time.Duration
	b.ResetTimer()
	start := time.Now()
	b.SetParallelism(benchClients)
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			mine = append(mine, g.get(url))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if n := g.failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(testkit.QuantileMs(all, 0.50), "p50-ms")
	b.ReportMetric(testkit.QuantileMs(all, 0.99), "p99-ms")
}

// apiHandler is the real root handler with the projects module and
// verifier v.
func apiHandler(f benchFixture, v authn.Verifier) http.Handler {
	logger := log.New(io.Discard, "json", slog.LevelInfo)
	mod := projects.New(projects.Deps{
		DB: f.pool, AccessDB: f.accessPool, Cursors: page.NewCodec([]byte("bench-secret-0123456789abcdef-0123")),
		Users: f.users,
	})
	return server.NewHandler(server.Options{Logger: logger, Modules: []module.Module{mod}, Verifier: v})
}

// trustingVerifier accepts any bearer token as one user: it takes token
// verification out of the API's cost so the comparison shows how much of
// the gap is authentication and how much the module.
type trustingVerifier struct{ user uuid.UUID }

func (v trustingVerifier) Verify(context.Context, string) (authn.Principal, error) {
	return authn.Principal{UserID: v.user, SessionID: v.user}, nil
}

// BenchmarkGetProjectHTTP is GET /api/v1/projects/{id} through the real
// router and middleware, with the JSON access log written (to nowhere) and
// the access token checked as the server checks it (see productionVerifier).
func BenchmarkGetProjectHTTP(b *testing.B) {
	f := newBenchFixture(b)
	srv := httptest.NewServer(apiHandler(f, f.verifier))
	defer srv.Close()
	load(b, srv.URL+"/api/v1/projects/"+f.project.String(), f.token)
}

// BenchmarkBaselinePgxJSON is the same request against baselineHandler.
func BenchmarkBaselinePgxJSON(b *testing.B) {
	f := newBenchFixture(b)
	srv := httptest.NewServer(testkit.BaselineGetProject(f.pool))
	defer srv.Close()
	load(b, srv.URL+"/api/v1/projects/"+f.project.String(), f.token)
}

// BenchmarkGetProjectVsBaseline interleaves short windows of the baseline,
// the API, and the API with parts of token verification taken out, so that
// load from other processes on a shared machine hits every side alike and
// the gap can be split into its causes. It ignores b.N:
// run it with -benchtime 1x. The ratios are API throughput as a percentage
// of the baseline's.
func BenchmarkGetProjectVsBaseline(b *testing.B) {
	const rounds, win = 8, 750 * time.Millisecond
	f := newBenchFixture(b)
	sides := []struct {
		name string
		h    http.Handler
	}{
		{"baseline", testkit.BaselineGetProject(f.pool)},
		{"api", apiHandler(f, f.verifier)},
		{"api-uncached-signature", apiHandler(f, f.uncached)},
		{"api-no-token-check", apiHandler(f, trustingVerifier{f.owner})},
	}
	g := newGetter(f.token)
	urls := make([]string, len(sides))
	lat := make([][]time.Duration, len(sides))
	var elapsed = make([]time.Duration, len(sides))
	for i, s := range sides {
		srv := httptest.NewServer(s.h)
		defer srv.Close()
		urls[i] = srv.URL + "/api/v1/projects/" + f.project.String()
		g.window(urls[i], 100*time.Millisecond) // warm up
	}
	b.ResetTimer()
	for range rounds {
		for i := range sides {
			start := time.Now()
			lat[i] = append(lat[i], g.window(urls[i], win)...)
			elapsed[i] += time.Since(start)
		}
	}
	b.StopTimer()
	if n := g.failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	rps := make([]float64, len(sides))
	for i, s := range sides {
		slices.Sort(lat[i])
		rps[i] = float64(len(lat[i])) / elapsed[i].Seconds()
		b.ReportMetric(rps[i], s.name+"-req/s")
		b.ReportMetric(testkit.QuantileMs(lat[i], 0.50), s.name+"-p50-ms")
		b.ReportMetric(testkit.QuantileMs(lat[i], 0.99), s.name+"-p99-ms")
	}
	for i := 1; i < len(sides); i++ {
		b.ReportMetric(100*rps[i]/rps[0], sides[i].name+"-%-of-baseline")
	}
}
