package authn

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Draining the revocation log. The process that revokes writes Redis after
// its commit; when that write fails (Redis down, a broken connection from
// that one process) the revocation stays in the log, and every process
// drains the log: a following server every drainEvery in the background,
// any other process (Lambda) during a token check when one is due. So a
// revocation reaches Redis, and through it every process's copy, within
// about drainEvery once any process can reach both PostgreSQL and Redis.
//
// A process also uses its drain as proof that it is current: positive
// cached answers are trusted only while its last complete pass started
// less than drainStale ago. A process that cannot read the log (PostgreSQL
// unreachable from it) stops trusting them after drainStale and checks
// every session in the database, even while its copy of the denylist is
// fed by Redis. Together: a revocation whose Redis write failed is refused
// everywhere within drainStale, typically within drainEvery.

const (
	drainEvery = time.Second
	drainStale = 3 * drainEvery
	drainBatch = 500
)

// drainedRecently reports whether this process may trust positive cached
// answers: it has no log to drain, or its last complete drain pass started
// less than drainStale ago.
func (d *Denylist) drainedRecently() bool {
	if d.log == nil {
		return true
	}
	return time.Since(time.Unix(0, d.drained.Load())) < drainStale
}

// drainIfDue runs a drain pass when none was started in the last
// drainEvery, unless the background loop drains (a request then never
// pays for it). Errors are left to the next pass; meanwhile cached answers
// lose their trust on their own.
func (d *Denylist) drainIfDue(ctx context.Context) {
	if d.log == nil || d.draining.Load() {
		return
	}
	last := d.drainAttempt.Load()
	now := time.Now().UnixNano()
	if now-last < int64(drainEvery) || !d.drainAttempt.CompareAndSwap(last, now) {
		return
	}
	_ = d.drain(ctx)
}

// drain delivers every revocation waiting in the log, oldest first.
func (d *Denylist) drain(ctx context.Context) error {
	started := time.Now()
	d.drainAttempt.Store(started.UnixNano())
	for {
		revs, err := d.log.PendingRevocations(ctx, drainBatch)
		if err != nil {
			return fmt.Errorf("read pending revocations: %w", err)
		}
		if len(revs) > 0 {
			if err := d.Deliver(ctx, revs); err != nil {
				return fmt.Errorf("deliver %d pending revocations: %w", len(revs), err)
			}
		}
		if len(revs) < drainBatch {
			break
		}
	}
	d.drained.Store(started.UnixNano())
	return nil
}

// drainLoop drains every drainEvery until ctx ends. It logs when draining
// starts failing and when it works again, not on every pass.
func (d *Denylist) drainLoop(ctx context.Context, logger *slog.Logger) {
	d.draining.Store(true)
	defer d.draining.Store(false)
	tick := time.NewTicker(drainEvery)
	defer tick.Stop()
	failing := false
	for {
		err := d.drain(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			logger.WarnContext(ctx, "revocation log not drained; cached session answers are not trusted until it is",
				slog.String("error", err.Error()))
		case err == nil && failing:
			logger.InfoContext(ctx, "revocation log drained again")
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
