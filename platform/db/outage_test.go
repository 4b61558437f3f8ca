package db_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestUnavailableErrors: errors that mean "the database is not answering"
// are Unavailable wherever they surface and however they were wrapped;
// errors a retry cannot fix stay what they were.
func TestUnavailableErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	closed := closedPort(t)
	_, refused := pgx.Connect(ctx, "postgres://nobody@"+closed+"/none?sslmode=disable&connect_timeout=5")

	base, err := url.Parse(testkit.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	base.Path = "/no_such_database_" + strings.ReplaceAll(t.Name(), "/", "_")
	_, missingDB := pgx.Connect(ctx, base.String())

	pool := testkit.Postgres(t)
	scratch(t, pool)
	_, _ = pool.Exec(ctx, `INSERT INTO scratch (id, name) VALUES (gen_random_uuid(), 'u')`)
	_, duplicate := pool.Exec(ctx, `INSERT INTO scratch (id, name) VALUES (gen_random_uuid(), 'u')`)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, deadline := pool.Exec(short, `SELECT pg_sleep(5)`)

	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"starting up (57P03)", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, true},
		{"admin shutdown (57P01)", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}, true},
		{"connection failure (08006)", &pgconn.PgError{Severity: "FATAL", Code: "08006"}, true},
		{"too many connections (53300)", &pgconn.PgError{Severity: "FATAL", Code: "53300"}, true},
		{"connection closed", pgconn.ErrConnClosed, true},
		{"missing database", missingDB, false},
		{"unique violation", duplicate, false},
		{"the caller's deadline", deadline, false},
		{"no rows", pgx.ErrNoRows, false},
	}
	for _, tc := range cases {
		if tc.err == nil {
			t.Fatalf("%s: no error to classify", tc.name)
		}
		wrapped := fmt.Errorf("find user: %w", tc.err)
		if got := db.IsUnavailable(wrapped); got != tc.want {
			t.Errorf("%s: IsUnavailable = %v, want %v (%v)", tc.name, got, tc.want, tc.err)
		}
		if got := apperr.KindOf(wrapped) == apperr.Unavailable; got != tc.want {
			t.Errorf("%s: apperr kind %s (%v)", tc.name, apperr.KindOf(wrapped), tc.err)
		}
		if tc.want && apperr.As(wrapped).RetryAfter <= 0 {
			t.Errorf("%s: no Retry-After", tc.name)
		}
	}
	if !errors.Is(deadline, context.DeadlineExceeded) {
		t.Fatalf("the caller's deadline gave %v", deadline)
	}
}

// TestAcquireTimeout: a request that cannot get a connection in time gets
// Unavailable (503) after AcquireTimeout, not a 504 after its own
// deadline; a caller whose deadline is shorter keeps its own timeout.
func TestAcquireTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.Open(ctx, testkit.PostgresURL(t), db.Options{MaxConns: 1, AcquireTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	held, err := pool.Acquire(ctx) // the only connection
	if err != nil {
		t.Fatal(err)
	}
	// The caller's own deadline is far away: without an acquire timeout
	// this would wait all of it.
	long, cancelLong := context.WithTimeout(ctx, 30*time.Second)
	defer cancelLong()
	start := time.Now()
	_, err = pool.Exec(long, "SELECT 1")
	waited := time.Since(start)
	if apperr.KindOf(err) != apperr.Unavailable || !errors.Is(err, context.DeadlineExceeded) || apperr.As(err).RetryAfter <= 0 {
		t.Fatalf("exhausted pool: %v (kind %s), want Unavailable with Retry-After", err, apperr.KindOf(err))
	}
	if waited < 300*time.Millisecond || waited > 15*time.Second {
		t.Fatalf("waited %s for a connection, want about the acquire timeout", waited)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = pool.Exec(short, "SELECT 1")
	if !errors.Is(err, context.DeadlineExceeded) || apperr.KindOf(err) == apperr.Unavailable {
		t.Fatalf("caller deadline first: %v (kind %s), want the caller's own timeout", err, apperr.KindOf(err))
	}
	held.Release()
	if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// hammerResult is what a burst of queries during a fault saw.
type hammerResult struct {
	queries int
	ok      int // queries that succeeded
	kinds   map[apperr.Kind]int
	dials   int64 // connection attempts that reached the proxy
	errs    []error
}

// hammer runs "SELECT 1" from workers goroutines for d and reports the
// outcomes and the connection attempts they caused.
func hammer(pool *pgxpool.Pool, p *testkit.Proxy, workers int, d time.Duration) hammerResult {
	before := p.Accepted()
	var mu sync.Mutex
	r := hammerResult{kinds: map[apperr.Kind]int{}}
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				var one int
				err := pool.QueryRow(context.Background(), "SELECT 1").Scan(&one)
				mu.Lock()
				r.queries++
				if err == nil {
					r.ok++
				} else {
					r.kinds[apperr.KindOf(err)]++
					if len(r.errs) < 3 {
						r.errs = append(r.errs, err)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.dials = p.Accepted() - before
	return r
}

// awaitRecovery polls until a query succeeds again, for at most limit.
func awaitRecovery(t *testing.T, pool *pgxpool.Pool, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < limit {
		var one int
		if err = pool.QueryRow(context.Background(), "SELECT 1").Scan(&one); err == nil {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no recovery within %s: %v", limit, err)
	return 0
}

// TestOutageFailsFastAndRecovers injects faults between a pool and a
// private PostgreSQL cluster: while the database cannot be reached every
// query fails at once as Unavailable, the pool makes a handful of
// connection attempts instead of one per query, and it recovers by itself.
func TestOutageFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	cluster := testkit.PrivatePostgres(t)
	proxy := testkit.NewProxy(t, cluster.URL())
	ctx := context.Background()
	const workers = 8
	pool, err := db.Open(ctx, proxy.URL(), db.Options{MaxConns: workers, ApplicationName: "outage-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// During a fault of 1.5 s the server sees at most: the attempts already
	// under way when the first one failed (one per pool slot), a cancel
	// request for each pooled connection that broke before that, and one
	// probe per pause (100 ms doubling, ±20%: 5 in 1.5 s). Without the
	// breaker every query dials: tens of thousands.
	const window = 1500 * time.Millisecond
	const maxDials = 2*workers + 8
	checkFault := func(t *testing.T, r hammerResult) {
		t.Helper()
		t.Logf("%d queries, kinds %v, %d connection attempts in %s", r.queries, r.kinds, r.dials, window)
		if r.ok > 0 || r.kinds[apperr.Unavailable] == 0 || len(r.kinds) != 1 {
			t.Fatalf("%d succeeded, failures %v; want only Unavailable; first errors %v", r.ok, r.kinds, r.errs)
		}
		if r.dials > maxDials {
			t.Fatalf("%d connection attempts during the fault, want at most %d", r.dials, maxDials)
		}
		if r.queries < 10*int(r.dials) {
			t.Fatalf("%d queries for %d connection attempts: queries are not failing fast", r.queries, r.dials)
		}
	}

	t.Run("refused", func(t *testing.T) {
		awaitRecovery(t, pool, 10*time.Second)
		proxy.Cut()
		r := hammer(pool, proxy, workers, window)
		proxy.Heal()
		checkFault(t, r)
		took := awaitRecovery(t, pool, 10*time.Second)
		t.Logf("recovered %s after the port opened again", took)
	})

	t.Run("starting up (57P03)", func(t *testing.T) {
		awaitRecovery(t, pool, 10*time.Second)
		proxy.Respond(testkit.PostgresStartingUp)
		proxy.ResetAll()
		r := hammer(pool, proxy, workers, window)
		proxy.Heal()
		checkFault(t, r)
		var pe *pgconn.PgError
		if !slicesAny(r.errs, func(err error) bool { return errors.As(err, &pe) && pe.Code == "57P03" }) {
			t.Fatalf("no 57P03 among %v", r.errs)
		}
		awaitRecovery(t, pool, 10*time.Second)
	})

	t.Run("stop and start", func(t *testing.T) {
		awaitRecovery(t, pool, 10*time.Second)
		if err := cluster.Stop(); err != nil {
			t.Fatal(err)
		}
		r := hammer(pool, proxy, workers, window)
		if err := cluster.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		checkFault(t, r)
		took := awaitRecovery(t, pool, 10*time.Second)
		t.Logf("recovered %s after PostgreSQL was back", took)
	})

	t.Run("admin shutdown of a session (57P01)", func(t *testing.T) {
		awaitRecovery(t, pool, 10*time.Second)
		conn, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		var pid int
		if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		terminate(t, cluster.URL(), pid)
		_, err = conn.Exec(ctx, "SELECT 1")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57P01" || apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("query on a terminated session: %v (kind %s), want 57P01 as Unavailable", err, apperr.KindOf(err))
		}
		conn.Release()
		awaitRecovery(t, pool, 10*time.Second)
	})

	t.Run("reset under a query", func(t *testing.T) {
		awaitRecovery(t, pool, 10*time.Second)
		errc := make(chan error, 1)
		go func() {
			_, err := pool.Exec(ctx, "SELECT pg_sleep(30) /* reset-me */")
			errc <- err
		}()
		awaitQuery(t, cluster.URL(), "reset-me")
		proxy.ResetAll()
		err := <-errc
		if apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("query under a reset: %v (kind %s), want Unavailable", err, apperr.KindOf(err))
		}
		awaitRecovery(t, pool, 10*time.Second)
	})

	t.Run("freeze", func(t *testing.T) {
		// A frozen server (or network) answers nothing. Queries fail as
		// Unavailable once they have waited AcquireTimeout for a
		// connection, or as their caller's timeout; never as Internal.
		frozen, err := db.Open(ctx, proxy.URL(), db.Options{MaxConns: 2, AcquireTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer frozen.Close()
		proxy.Freeze()
		kinds := map[apperr.Kind]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				_, err := frozen.Exec(qctx, "SELECT 1")
				kind := apperr.KindOf(err)
				if err != nil && kind == apperr.Internal && errors.Is(err, context.DeadlineExceeded) {
					kind = apperr.Timeout // what httpx answers for the caller's own deadline
				}
				mu.Lock()
				kinds[kind]++
				mu.Unlock()
			})
		}
		wg.Wait()
		proxy.Heal()
		t.Logf("outcomes while frozen: %v", kinds)
		if kinds[apperr.Unavailable]+kinds[apperr.Timeout] != 6 || kinds[apperr.Unavailable] < 4 {
			t.Fatalf("outcomes while frozen %v: want every query Unavailable or timed out, at least the 4 beyond the pool size Unavailable", kinds)
		}
		awaitRecovery(t, frozen, 15*time.Second)
	})
}

func slicesAny(errs []error, f func(error) bool) bool {
	for _, err := range errs {
		if f(err) {
			return true
		}
	}
	return false
}

// terminate ends backend pid as an administrator does, straight on the
// cluster.
func terminate(t *testing.T, adminURL string, pid int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_terminate_backend($1, 10000)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate %d: %v %v", pid, ok, err)
	}
}

// awaitQuery waits until a query containing marker runs on the cluster.
func awaitQuery(t *testing.T, adminURL, marker string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", marker).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatalf("query %q never started", marker)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
