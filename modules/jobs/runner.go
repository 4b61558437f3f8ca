package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

// Why an attempt's context ended, when the runner ended it.
var (
	errCancelled = errors.New("cancelled by its owner")
	errLeaseLost = errors.New("the attempt lost its lease to another worker")
	errTimedOut  = errors.New("the attempt timed out")
)

// maxBackoff caps the wait between two attempts.
const maxBackoff = time.Hour

// renewEvery is how often a running attempt renews its lease and looks for
// a cancel: a third of the lease, and at least every 2 s so a cancel is
// seen quickly.
func (s *service) renewEvery() time.Duration { return min(s.lease/3, 2*time.Second) }

// record gives the bookkeeping after an attempt its own short deadline: it
// must happen even when the attempt's context was cancelled by a shutdown.
func record(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// deliver attempts job id, delivered by the transport.
func (s *service) deliver(ctx context.Context, id uuid.UUID) outcome {
	c, err := s.claims.do(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "job claim failed", slog.String("job_id", id.String()), slog.String("error", err.Error()))
		}
		return after(s.renewEvery())
	}
	if !c.ok {
		return s.unclaimable(ctx, id)
	}
	return s.attempt(ctx, c.job)
}

// unclaimable decides what to do with a delivery whose job could not be
// claimed: it finished, is held by another attempt, is not due yet, or
// waits to be failed or cancelled.
func (s *service) unclaimable(ctx context.Context, id uuid.UUID) outcome {
	j, err := s.q.GetJob(ctx, id)
	if db.IsNoRows(err) {
		return done // gone with its project
	}
	if err != nil {
		return after(s.renewEvery())
	}
	now := s.now()
	switch j.Status {
	case StatusSucceeded, StatusCancelled:
		return done
	case StatusFailed:
		return dead
	case StatusQueued:
		if j.CancelRequested {
			return s.finishCancelled(ctx, j)
		}
		return after(max(j.RunAfter.Sub(now), time.Second))
	}
	// Running: another attempt holds it, or its last attempt was abandoned.
	if j.LeaseUntil != nil && j.LeaseUntil.After(now) {
		return after(j.LeaseUntil.Sub(now) + time.Second)
	}
	if j.CancelRequested {
		return s.finishCancelled(ctx, j)
	}
	if j.Attempts >= j.MaxAttempts {
		if _, err := s.q.FailAbandonedJob(ctx, store.FailAbandonedJobParams{ID: j.ID, Error: ptr(errAbandoned)}); err != nil {
			return after(s.renewEvery())
		}
		s.logOutcome(ctx, j, "failed", 0, errors.New(errAbandoned))
		return dead
	}
	return after(time.Second)
}

const errAbandoned = "the worker running the job's last attempt stopped before it finished"

func (s *service) finishCancelled(ctx context.Context, j store.Job) outcome {
	if _, err := s.q.FinishCancelledJob(ctx, j.ID); err != nil {
		return after(s.renewEvery())
	}
	return done
}

func ptr[T any](v T) *T { return &v }

// attempt runs one claimed attempt and records its outcome.
func (s *service) attempt(ctx context.Context, row store.Job) outcome {
	kind, ok := s.kinds[row.Kind]
	if !ok {
		// A worker of another version: give the job back for one that knows it.
		rctx, cancel := record(ctx)
		defer cancel()
		_, _ = s.q.ReturnJob(rctx, store.ReturnJobParams{ID: row.ID, Owner: s.owner})
		s.log.WarnContext(ctx, "job of a kind this worker does not run", slog.String("job_id", row.ID.String()), slog.String("kind", row.Kind))
		return after(time.Minute)
	}
	timeout := kind.Timeout
	if timeout <= 0 {
		timeout = module.DefaultJobTimeout
	}
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jctx, cancelTimeout := context.WithTimeoutCause(jctx, timeout, errTimedOut)
	defer cancelTimeout()

	job := &module.Job{
		ID: row.ID, Kind: row.Kind, Attempt: int(row.Attempts), Payload: row.Payload,
		Progress: func(ctx context.Context, percent int, message string) error {
			return s.progress(ctx, row.ID, percent, message)
		},
	}
	if row.OwnerID != nil {
		job.OwnerID = *row.OwnerID
	}
	if row.ProjectID != nil {
		job.ProjectID = *row.ProjectID
	}
	renewed := s.keepLease(jctx, cancel, row.ID)
	start := s.now()
	result, runErr := s.runSafe(jctx, kind, job)
	cancelTimeout()
	<-renewed
	took := s.now().Sub(start)
	cause := context.Cause(jctx)

	rctx, cancelRecord := record(ctx)
	defer cancelRecord()
	finish := func(status string, result, gz []byte, msg string) outcome {
		recorded, err := s.finishes.do(rctx, outcomeRow{id: row.ID, status: status, result: result, gz: gz, errText: truncate(msg, MaxErrorChars)})
		if err != nil || !recorded {
			// The row is no longer ours (or the database is away): the next
			// delivery decides.
			s.log.WarnContext(ctx, "job outcome not recorded", slog.String("job_id", row.ID.String()), slog.Any("error", err))
			return after(s.renewEvery())
		}
		s.logOutcome(ctx, row, status, took, errorOf(msg))
		if status == StatusFailed {
			return dead
		}
		return done
	}
	switch {
	case errors.Is(cause, errLeaseLost):
		s.logOutcome(ctx, row, "lease lost", took, cause)
		return done // another attempt owns the job now
	case errors.Is(cause, errCancelled):
		return finish(StatusCancelled, nil, nil, "")
	case runErr == nil:
		inline, gz, err := encodeResult(result)
		if err != nil {
			return finish(StatusFailed, nil, nil, err.Error())
		}
		return finish(StatusSucceeded, inline, gz, "")
	case ctx.Err() != nil:
		// The worker is stopping: the attempt goes back, uncounted.
		if _, err := s.q.ReturnJob(rctx, store.ReturnJobParams{ID: row.ID, Owner: s.owner}); err == nil {
			s.logOutcome(ctx, row, "returned", took, runErr)
		}
		return after(0)
	}
	msg := runErr.Error()
	if errors.Is(cause, errTimedOut) {
		msg = fmt.Sprintf("timed out after %s", timeout)
	}
	if module.IsPermanentJobError(runErr) || row.Attempts >= row.MaxAttempts {
		return finish(StatusFailed, nil, nil, msg)
	}
	wait := s.backoff(int(row.Attempts))
	n, err := s.q.RetryJobLater(rctx, store.RetryJobLaterParams{ID: row.ID, Owner: s.owner, Error: ptr(truncate(msg, MaxErrorChars)), RunAfter: s.now().Add(wait)})
	if err != nil || n == 0 {
		return after(s.renewEvery())
	}
	s.logOutcome(ctx, row, "retrying", took, errors.New(msg), slog.Duration("retry_in", wait))
	return after(wait)
}

func errorOf(msg string) error {
	if msg == "" {
		return nil
	}
	return errors.New(msg)
}

// runSafe runs the handler; a panic is a failed attempt with its message
// (the stack goes to the log, not to the job's owner).
func (s *service) runSafe(ctx context.Context, kind module.JobKind, j *module.Job) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			s.log.ErrorContext(ctx, "job panicked", slog.String("job_id", j.ID.String()), slog.String("kind", j.Kind),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		}
	}()
	return kind.Run(ctx, j)
}

// keepLease renews the attempt's lease until ctx ends, and ends ctx (with
// cancel) when the lease is lost or the owner cancels the job. The returned
// channel closes when it has stopped.
func (s *service) keepLease(ctx context.Context, cancel context.CancelCauseFunc, id uuid.UUID) <-chan struct{} {
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(s.renewEvery())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, done := context.WithTimeout(context.WithoutCancel(ctx), s.renewEvery())
			cancelRequested, err := s.q.RenewLease(rctx, store.RenewLeaseParams{ID: id, Owner: s.owner, LeaseSecs: s.lease.Seconds()})
			done()
			switch {
			case db.IsNoRows(err):
				cancel(errLeaseLost)
				return
			case err != nil:
				// The database is away; the next tick tries again, and the
				// lease outlives several missed ones.
				s.log.WarnContext(ctx, "job lease not renewed", slog.String("job_id", id.String()), slog.String("error", err.Error()))
			case cancelRequested:
				cancel(errCancelled)
				return
			}
		}
	}()
	return stopped
}

// progress records how far an attempt is.
func (s *service) progress(ctx context.Context, id uuid.UUID, percent int, message string) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("jobs: progress %d is not a percentage", percent)
	}
	n, err := s.q.SetJobProgress(ctx, store.SetJobProgressParams{ID: id, Owner: s.owner, Progress: int16(percent), Message: truncate(message, MaxProgressMessage)})
	if err != nil {
		return fmt.Errorf("jobs: record progress: %w", err)
	}
	if n == 0 {
		return errLeaseLost
	}
	return nil
}

// backoff is the wait after a failed attempt: exponential from the retry
// base, with jitter (half to one and a half times) so that jobs failing
// together do not retry together.
func (s *service) backoff(attempt int) time.Duration {
	d := s.retryBase << min(attempt-1, 20)
	d = min(d, maxBackoff)
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// logOutcome logs one attempt: kind, id, attempt, duration and outcome,
// never the payload or result (they may hold an author's text).
func (s *service) logOutcome(ctx context.Context, j store.Job, outcome string, took time.Duration, err error, extra ...any) {
	attrs := []any{
		slog.String("job_id", j.ID.String()), slog.String("kind", j.Kind), slog.Int("attempt", int(j.Attempts)),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.String("outcome", outcome),
	}
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("error", truncate(err.Error(), 300)))
		level = slog.LevelWarn
		if outcome == StatusFailed {
			level = slog.LevelError
		}
	}
	s.log.Log(ctx, level, "job", append(attrs, extra...)...)
}
