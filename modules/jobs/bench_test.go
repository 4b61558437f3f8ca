package jobs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/testkit"
)

// Benchmarks of the PostgreSQL transport with no-op handlers (docs/perf.md,
// "Jobs"). Each runs b.N jobs on a fresh schema; give a count, e.g.
//
//	go test -run '^$' -bench . -benchtime 5000x ./modules/jobs/
//
// and read jobs/s (and, for the latency, p50/p99) rather than ns/op.

// benchBatch is how many jobs one enqueueing transaction carries, and
// benchEnqueuers how many such transactions run at once (as requests of
// several clients do: one enqueuer alone is bound by its round trips).
const (
	benchBatch     = 100
	benchEnqueuers = 4
)

// benchConcurrencies are the worker concurrencies measured: the default of
// THEBRAIN_JOBS_CONCURRENCY, and one at which no-op jobs keep the database
// busy (with 8 slots each job's round trips, not the database, bound the
// rate).
var benchConcurrencies = []int{8, 32}

// eachConcurrency runs fn as one sub-benchmark per concurrency.
func eachConcurrency(b *testing.B, fn func(b *testing.B, concurrency int)) {
	for _, c := range benchConcurrencies {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) { fn(b, c) })
	}
}

// benchPool is a pool on a fresh, migrated schema, as large as
// THEBRAIN_DATABASE_MAX_CONNS's default.
func benchPool(b *testing.B) *pgxpool.Pool {
	b.Helper()
	pool, err := db.Open(context.Background(), testkit.PostgresURL(b), db.Options{MaxConns: 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// inBatches runs fn over n jobs in transactions of benchBatch, from
// benchEnqueuers goroutines at once.
func inBatches(b *testing.B, pool *pgxpool.Pool, n int, fn func(tx pgx.Tx, batch int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchEnqueuers)
	for range benchEnqueuers {
		wg.Go(func() {
			for {
				done := int(next.Add(benchBatch)) - benchBatch
				if done >= n {
					return
				}
				batch := min(benchBatch, n-done)
				if err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error { return fn(tx, batch) }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// awaitCount waits (up to a generous bound) until count reaches n, looking
// every poll.
func awaitCount(b *testing.B, what string, n int64, poll time.Duration, count func() int64) {
	b.Helper()
	deadline := time.Now().Add(5*time.Minute + time.Duration(n)*time.Millisecond)
	for count() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d after the deadline", what, count(), n)
		}
		time.Sleep(poll)
	}
}

// reportRates reports jobs/s over the whole run and enqueued/s over the
// enqueueing alone.
func reportRates(b *testing.B, took, enqueueing time.Duration) {
	b.ReportMetric(float64(b.N)/took.Seconds(), "jobs/s")
	b.ReportMetric(float64(b.N)/enqueueing.Seconds(), "enqueued/s")
	b.ReportMetric(0, "ns/op") // jobs/s says it
}

// noopArgs is a River job of the raw benchmark.
type noopArgs struct {
	N int `json:"n"`
}

func (noopArgs) Kind() string { return "bench.noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	done *atomic.Int64
}

func (w *noopWorker) Work(context.Context, *river.Job[noopArgs]) error {
	w.done.Add(1)
	return nil
}

// BenchmarkRiverRaw is the reference: River alone with a no-op worker, with
// the queue and fetch settings of our transport. b.N jobs are inserted
// (InsertManyTx, in transactions of benchBatch) and then worked; jobs/s
// covers both.
func BenchmarkRiverRaw(b *testing.B) {
	eachConcurrency(b, func(b *testing.B, concurrency int) {
		pool := benchPool(b)
		var done atomic.Int64
		workers := river.NewWorkers()
		river.AddWorker(workers, &noopWorker{done: &done})
		client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
			Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: concurrency}},
			Workers:       workers,
			FetchCooldown: riverFetchCooldown, FetchPollInterval: riverFetchPoll,
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ResetTimer()
		start := time.Now()
		inBatches(b, pool, b.N, func(tx pgx.Tx, batch int) error {
			params := make([]river.InsertManyParams, batch)
			for i := range params {
				params[i] = river.InsertManyParams{Args: noopArgs{N: i}}
			}
			_, err := client.InsertManyTx(ctx, tx, params)
			return err
		})
		enqueueing := time.Since(start)
		if err := client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		awaitCount(b, "river raw", int64(b.N), time.Millisecond, done.Load)
		took := time.Since(start)
		b.StopTimer()
		if err := client.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		reportRates(b, took, enqueueing)
	})
}

// BenchmarkRiverTransport is the queue alone as the jobs module runs it:
// our River transport (its options, one River job per delivery, inserted
// one by one as Enqueue does) with a delivery that does nothing, and no
// jobs record. b.N deliveries are enqueued in transactions of benchBatch,
// then consumed.
func BenchmarkRiverTransport(b *testing.B) {
	eachConcurrency(b, func(b *testing.B, concurrency int) {
		pool := benchPool(b)
		tr, err := NewRiver(pool, RiverOptions{Concurrency: concurrency})
		if err != nil {
			b.Fatal(err)
		}
		var done atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		b.ResetTimer()
		start := time.Now()
		inBatches(b, pool, b.N, func(tx pgx.Tx, batch int) error {
			for range batch {
				if err := tr.enqueued(ctx, tx, uuid.Must(uuid.NewV7())); err != nil {
					return err
				}
			}
			return nil
		})
		enqueueing := time.Since(start)
		consumed := make(chan error, 1)
		go func() {
			consumed <- tr.consume(ctx, func(context.Context, uuid.UUID) outcome { done.Add(1); return outcome{} })
		}()
		awaitCount(b, "transport", int64(b.N), time.Millisecond, done.Load)
		took := time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-consumed; err != nil {
			b.Fatal(err)
		}
		reportRates(b, took, enqueueing)
	})
}

// benchModule is the jobs module on the River transport with the no-op
// kind bench.noop; started counts handler starts, and onStart (if set) is
// called at each.
func benchModule(b *testing.B, pool *pgxpool.Pool, concurrency int, onStart func()) (*Module, *atomic.Int64) {
	b.Helper()
	tr, err := NewRiver(pool, RiverOptions{Concurrency: concurrency})
	if err != nil {
		b.Fatal(err)
	}
	m := New(Deps{DB: pool, Transport: tr})
	var started atomic.Int64
	m.Register(module.JobKind{Name: "bench.noop", Run: func(context.Context, *module.Job) (any, error) {
		if onStart != nil {
			onStart()
		}
		started.Add(1)
		return nil, nil
	}})
	return m, &started
}

// work runs m's worker until the benchmark ends.
func work(b *testing.B, m *Module) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	worked := make(chan error, 1)
	go func() { worked <- m.Work(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-worked; err != nil {
			b.Error(err)
		}
	})
}

// BenchmarkEndToEnd is the jobs module with its record kept in step: b.N
// jobs enqueued through Enqueue in transactions of benchBatch while the
// worker runs, until every one is succeeded in the jobs table.
func BenchmarkEndToEnd(b *testing.B) {
	eachConcurrency(b, func(b *testing.B, concurrency int) {
		pool := benchPool(b)
		m, started := benchModule(b, pool, concurrency, nil)
		work(b, m)
		ctx := context.Background()
		succeeded := func() int64 {
			var n int64
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE kind = 'bench.noop' AND status = 'succeeded'`).Scan(&n); err != nil {
				b.Fatal(err)
			}
			return n
		}
		b.ResetTimer()
		start := time.Now()
		inBatches(b, pool, b.N, func(tx pgx.Tx, batch int) error {
			for range batch {
				if _, err := m.Enqueue(ctx, tx, module.JobRequest{Kind: "bench.noop"}); err != nil {
					return err
				}
			}
			return nil
		})
		enqueueing := time.Since(start)
		// Counting rows is a query: first wait for the handlers, then for
		// the last outcomes to be recorded.
		awaitCount(b, "handlers", int64(b.N), time.Millisecond, started.Load)
		awaitCount(b, "end to end", int64(b.N), 5*time.Millisecond, succeeded)
		took := time.Since(start)
		b.StopTimer()
		reportRates(b, took, enqueueing)
	})
}

// BenchmarkEnqueueToStart is the latency of a worker (concurrency 8): one
// job at a time, from the commit of its enqueueing transaction to its
// handler's start. "idle": each job is enqueued once the previous one is
// done and the worker has been idle a moment (the target); "back-to-back":
// each as soon as the previous one starts. It reports the median and the
// 99th percentile.
func BenchmarkEnqueueToStart(b *testing.B) {
	for _, gap := range []struct {
		name string
		wait time.Duration
	}{{"idle", 50 * time.Millisecond}, {"back-to-back", 0}} {
		b.Run(gap.name, func(b *testing.B) {
			pool := benchPool(b)
			startedAt := make(chan time.Time, 1)
			m, _ := benchModule(b, pool, 8, func() { startedAt <- time.Now() })
			work(b, m)
			ctx := context.Background()
			// Let the worker settle (leader election, first fetch, the
			// periodic purge) before measuring.
			time.Sleep(time.Second)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				tx, err := pool.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Enqueue(ctx, tx, module.JobRequest{Kind: "bench.noop"}); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				committed := time.Now()
				select {
				case t := <-startedAt:
					lat = append(lat, t.Sub(committed))
				case <-time.After(time.Minute):
					b.Fatal("the job did not start within a minute")
				}
				time.Sleep(gap.wait)
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) time.Duration { return lat[min(int(float64(len(lat))*p), len(lat)-1)] }
			b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(0, "ns/op") // the loop's time includes the gaps
		})
	}
}
