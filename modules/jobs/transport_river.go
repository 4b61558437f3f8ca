package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// RiverOptions tune the PostgreSQL transport.
type RiverOptions struct {
	Log *slog.Logger
	// Concurrency is how many jobs this process runs at once.
	Concurrency int
	// RescueAfter is how long a delivery may stay running before River
	// hands it out again; the job's lease then decides whether it may run
	// (it may not while its worker renews the lease). Zero means 1 minute.
	RescueAfter time.Duration
	// ShutdownGrace is how long a stopping worker lets running jobs finish
	// before it cancels them and gives them back.
	ShutdownGrace time.Duration
}

// River's fetch settings (docs/perf.md, "Jobs"). A fetch takes at most as
// many jobs as there are free slots, so with few slots (Concurrency) a
// short cooldown between fetches is what keeps them busy; River's default
// of 100 ms caps 8 slots at 80 jobs/s. The cooldown is also how long River
// holds back the insert notification after one it sent: a job enqueued in
// that window waits for a later fetch, at worst the poll.
const (
	riverFetchCooldown = time.Millisecond
	riverFetchPoll     = 200 * time.Millisecond
)

// riverTransport delivers jobs with River (github.com/riverqueue/river):
// transactional insert, LISTEN/NOTIFY wake-ups, snoozes and the rescue of
// deliveries whose worker died. River's own attempts and timeouts are not
// used: snoozes never count as attempts, and the job row keeps ours.
type riverTransport struct {
	client      *river.Client[pgx.Tx]
	deliver     atomic.Pointer[deliverFunc]
	rescueAfter time.Duration
	grace       time.Duration
	// jobs is the context of attempts under way: it ends when a stopping
	// worker's grace has passed (River's own work contexts also end at
	// River's deadline, which here only tells the rescuer when to act).
	jobs atomic.Pointer[context.Context]
}

// riverArgs is the River job: the id of our job row, nothing else.
type riverArgs struct {
	JobID uuid.UUID `json:"job_id"`
}

func (riverArgs) Kind() string { return "thebrain.job" }

type riverWorker struct {
	river.WorkerDefaults[riverArgs]
	t *riverTransport
}

// Timeout is when River's rescuer may hand out a delivery still running
// (River never rescues a job without a timeout, so a killed worker's job
// would stay with it for good). It does not bound the attempt: each kind
// has its own timeout, and Work ignores River's deadline.
func (w *riverWorker) Timeout(*river.Job[riverArgs]) time.Duration { return w.t.rescueAfter }

// NextRetry brings a rescued delivery back at once: the job's lease, not
// River's backoff, decides when it may run again.
func (*riverWorker) NextRetry(*river.Job[riverArgs]) time.Time { return time.Now() }

func (w *riverWorker) Work(ctx context.Context, j *river.Job[riverArgs]) error {
	deliver, jobs := w.t.deliver.Load(), w.t.jobs.Load()
	if deliver == nil || jobs == nil {
		return river.JobSnooze(time.Second)
	}
	// River's values, but the cancellation of the worker's stop, not River's
	// deadline.
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(*jobs, cancel)()
	if out := (*deliver)(actx, j.Args.JobID); out.retry {
		return river.JobSnooze(out.again)
	}
	return nil
}

// NewRiver returns the PostgreSQL transport on pool. Its tables come with
// the migrations (db.Migrator runs River's).
func NewRiver(pool *pgxpool.Pool, o RiverOptions) (Transport, error) {
	t := &riverTransport{rescueAfter: cmpOr(o.RescueAfter, time.Minute), grace: cmpOr(o.ShutdownGrace, 10*time.Second)}
	workers := river.NewWorkers()
	river.AddWorker(workers, &riverWorker{t: t})
	logger := o.Log
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(o.Concurrency, 1)}},
		Workers:              workers,
		JobTimeout:           -1,
		RescueStuckJobsAfter: t.rescueAfter,
		SoftStopTimeout:      t.grace,
		// Attempts enforce their kinds' timeouts; River's stuck-job warning
		// would fire for every job longer than rescueAfter.
		JobStuckThreshold: 24 * time.Hour,
		FetchCooldown:     riverFetchCooldown,
		FetchPollInterval: riverFetchPoll,
		// Our rows are the record; River's finished rows are kept briefly.
		CompletedJobRetentionPeriod: time.Hour,
		Logger:                      logger.With(slog.String("component", "river")),
	})
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	t.client = client
	return t, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (*riverTransport) name() string { return "postgres" }

func (t *riverTransport) enqueued(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	_, err := t.client.InsertTx(ctx, tx, riverArgs{JobID: id}, nil)
	return err
}

func (t *riverTransport) consume(ctx context.Context, deliver deliverFunc) error {
	t.deliver.Store(&deliver)
	jobs, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	t.jobs.Store(&jobs)
	// Cancelling Start's context would cancel running jobs at once: the
	// client runs on its own, and Stop below ends it gracefully.
	if err := t.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("river: start: %w", err)
	}
	<-ctx.Done()
	// Stop waits for running jobs; after the grace they are cancelled (they
	// give their jobs back) and Stop waits for them to return.
	defer time.AfterFunc(t.grace, cancelJobs).Stop()
	if err := t.client.Stop(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("river: stop: %w", err)
	}
	return nil
}
