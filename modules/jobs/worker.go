package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

// scheduleEvery is how often a worker looks for periodic runs that are due.
const scheduleEvery = 30 * time.Second

// Work runs jobs until ctx ends: it consumes the transport (with as many
// attempts at a time as the transport's options say), enqueues the runs of periodic kinds that
// fall due (one worker per period, however many run), and fails jobs whose
// last attempt's worker died. When ctx ends it stops taking jobs, lets
// running ones finish within the transport's grace, gives back the rest,
// and returns.
func (m *Module) Work(ctx context.Context) error {
	s := m.svc
	if err := s.ensureSchedules(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started
		}
		return err
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.every(ctx, scheduleEvery, s.runSchedules) }()
	go func() { defer wg.Done(); s.every(ctx, s.lease, s.reap) }()
	s.log.InfoContext(ctx, "worker started", slog.String("transport", s.transport.name()),
		slog.Int("kinds", len(s.kinds)), slog.String("worker", s.owner))
	err := s.transport.consume(ctx, s.deliver)
	wg.Wait()
	s.log.InfoContext(context.WithoutCancel(ctx), "worker stopped", slog.String("worker", s.owner))
	return err
}

// every runs fn now and then every d until ctx ends.
func (s *service) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ensureSchedules records every periodic kind's schedule.
func (s *service) ensureSchedules(ctx context.Context) error {
	for _, k := range s.kinds {
		if k.Every <= 0 {
			continue
		}
		if err := s.q.EnsureSchedule(ctx, store.EnsureScheduleParams{Kind: k.Name, EverySecs: int32(max(k.Every/time.Second, 1))}); err != nil {
			return fmt.Errorf("jobs: schedule of %s: %w", k.Name, err)
		}
	}
	return nil
}

// runSchedules enqueues the periodic runs that are due. Moving the
// schedule and enqueueing the run are one transaction, and the row lock
// lets only one worker move it: one run per period.
func (s *service) runSchedules(ctx context.Context) {
	for _, k := range s.kinds {
		if k.Every <= 0 {
			continue
		}
		var ran bool
		err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			// Enqueue, then move the schedule: when another worker moved it
			// first, the update finds nothing and the run rolls back.
			ref, err := s.enqueue(ctx, tx, module.JobRequest{Kind: k.Name})
			if err != nil {
				return err
			}
			if _, err := store.New(tx).TakeDueSchedule(ctx, store.TakeDueScheduleParams{Kind: k.Name, JobID: &ref.ID}); err != nil {
				return err
			}
			ran = true
			return nil
		})
		switch {
		case db.IsNoRows(err) || ctx.Err() != nil:
		case err != nil:
			s.log.WarnContext(ctx, "periodic job not enqueued", slog.String("kind", k.Name), slog.String("error", err.Error()))
		case ran:
			s.log.InfoContext(ctx, "periodic job enqueued", slog.String("kind", k.Name))
		}
	}
}

// reap fails jobs whose last attempt's worker stopped renewing its lease
// and whose delivery will not come back (SQS moved it to the dead-letter
// queue after its last receive). A grace of one lease leaves the ordinary
// redelivery the first chance.
func (s *service) reap(ctx context.Context) {
	ids, err := s.q.ListAbandonedJobs(ctx, store.ListAbandonedJobsParams{GraceSecs: s.lease.Seconds(), MaxRows: 100})
	if err != nil {
		return
	}
	for _, id := range ids {
		if n, err := s.q.FailAbandonedJob(ctx, store.FailAbandonedJobParams{ID: id, Error: ptr(errAbandoned)}); err == nil && n > 0 {
			s.log.ErrorContext(ctx, "job", slog.String("job_id", id.String()), slog.String("outcome", StatusFailed), slog.String("error", errAbandoned))
		}
	}
}
