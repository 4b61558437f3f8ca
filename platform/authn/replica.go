package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/log"
)

// The denylist's in-process copy. A long-running server (serve mode) calls
// Denylist.Follow: it subscribes to the denylist's pub/sub channel, loads
// every revocation still in force from a sorted set, and from then on
// answers Denied from memory, so verifying a token costs no round trip.
// Every revocation is written to Redis (keys, sorted set, publication) and
// applied to the revoking process's own copy before the request that caused
// it is answered; other processes receive it as fast as Redis delivers a
// publication (well under a millisecond on one network).
//
// The copy is trusted only while it is provably current: from the moment
// the subscription is confirmed and the snapshot loaded until any error on
// the subscription or a missed heartbeat. Outside that window Denied asks
// Redis on every request, exactly as a process that never follows does
// (the Lambda handlers, whose instances are frozen between invocations and
// cannot hold a subscription). A lost subscription also opens the Redis
// client's breaker, so those requests fall back to PostgreSQL at once
// instead of each waiting for a Redis that went silent. Positive answers
// in the copy are further bound to the drain of the revocation log (see
// drain.go).

const (
	// heartbeat is how often a following process pings Redis over its
	// subscription; staleAfter without any answer and the copy is dropped.
	heartbeat  = time.Second
	staleAfter = 3 * heartbeat
	// sweepEvery bounds how long expired entries stay in memory.
	sweepEvery = 30 * time.Second
	// maxOKEntries caps the positive-answer cache; past it new sessions are
	// checked in the database on each request until a sweep makes room.
	maxOKEntries = 200_000
)

// replica is the in-memory copy. live says whether it may be trusted.
type replica struct {
	live atomic.Bool

	mu   sync.RWMutex
	sids map[uuid.UUID]time.Time // denied session -> until
	uids map[uuid.UUID]time.Time // denied user -> until
	ok   map[uuid.UUID]okEntry   // session -> the live-session answer
}

type okEntry struct {
	user  uuid.UUID
	until time.Time
}

func newReplica() *replica {
	return &replica{sids: map[uuid.UUID]time.Time{}, uids: map[uuid.UUID]time.Time{}, ok: map[uuid.UUID]okEntry{}}
}

// check answers like Denylist.Denied from memory.
func (r *replica) check(sessionID, userID uuid.UUID, now time.Time) (denied, sessionOK bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if until, ok := r.sids[sessionID]; ok && now.Before(until) {
		return true, false
	}
	if until, ok := r.uids[userID]; ok && now.Before(until) {
		return true, false
	}
	e, ok := r.ok[sessionID]
	return false, ok && e.user == userID && now.Before(e.until)
}

// apply records one revocation: "s:<session>" or "u:<user>", until when.
func (r *replica) apply(entry string, until time.Time) error {
	kind, id, found := strings.Cut(entry, ":")
	u, err := uuid.Parse(id)
	if !found || err != nil {
		return fmt.Errorf("%w: %q", errBadEntry, entry)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch kind {
	case "s":
		r.sids[u] = later(r.sids[u], until)
		delete(r.ok, u)
	case "u":
		r.uids[u] = later(r.uids[u], until)
	default:
		return fmt.Errorf("%w: %q", errBadEntry, entry)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (r *replica) markOK(sessionID, userID uuid.UUID, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.ok[sessionID]; ok || len(r.ok) < maxOKEntries {
		r.ok[sessionID] = okEntry{user: userID, until: until}
	}
}

// reset forgets the positive answers: they were given while the copy may
// have missed revocations.
func (r *replica) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.ok)
}

func (r *replica) sweep(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range []map[uuid.UUID]time.Time{r.sids, r.uids} {
		for id, until := range m {
			if !now.Before(until) {
				delete(m, id)
			}
		}
	}
	for id, e := range r.ok {
		if !now.Before(e.until) {
			delete(r.ok, id)
		}
	}
}

var (
	// errStale ends a subscription whose heartbeats stopped arriving.
	errStale = errors.New("denylist subscription silent")
	// errBadEntry is a publication this process does not understand.
	errBadEntry = errors.New("denylist entry not understood")
)

// Follow keeps the process's copy of the denylist current until ctx ends,
// and drains the revocation log (when there is one) meanwhile. It returns
// only then; failures are logged and retried with back-off, and while the
// copy is not current every check asks Redis (or, while Redis is
// unavailable, the database).
func (d *Denylist) Follow(ctx context.Context, logger *slog.Logger) {
	if logger == nil {
		logger = log.Discard()
	}
	if d.log != nil {
		drained := make(chan struct{})
		go func() { defer close(drained); d.drainLoop(ctx, logger) }()
		defer func() { <-drained }()
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		started := time.Now()
		err := d.followOnce(ctx)
		if !errors.Is(err, errBadEntry) {
			// Before the copy is dropped: requests must find the breaker
			// open, not wait for a Redis that stopped answering.
			d.rdb.ReportFailure(ctx, err)
		}
		d.local.live.Store(false)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		logger.WarnContext(ctx, "denylist copy not current; checking Redis on every request until it is",
			slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
		// An outage ends when the breaker's probe reaches Redis: retry
		// then rather than at the end of a long back-off.
		var recovered <-chan struct{}
		if !d.rdb.Available() {
			recovered = d.rdb.Recovered()
		}
		select {
		case <-ctx.Done():
			return
		case <-recovered:
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// Live reports whether Denied currently answers from the in-process copy.
func (d *Denylist) Live() bool { return d.local.live.Load() }

func (d *Denylist) followOnce(ctx context.Context) error {
	ps := d.rdb.Subscribe(ctx, d.channel())
	defer ps.Close()
	// A blocked read does not watch ctx; closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	// From the confirmation on, every revocation reaches this subscription,
	// so the snapshot read next cannot miss one made in between.
	if _, err := ps.ReceiveTimeout(ctx, staleAfter); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if err := d.loadSnapshot(ctx); err != nil {
		return fmt.Errorf("load snapshot: %w", err)
	}
	d.local.reset()
	d.local.live.Store(true)

	heard, swept := time.Now(), time.Now()
	for {
		msg, err := ps.ReceiveTimeout(ctx, heartbeat)
		now := time.Now()
		switch m := msg.(type) {
		case *goredis.Message:
			heard = now
			if err := d.local.apply(m.Payload, d.now().Add(DenyTTL)); err != nil {
				return err // a publisher we do not understand: trust nothing
			}
		case *goredis.Pong, *goredis.Subscription:
			heard = now
		}
		if err != nil {
			var ne interface{ Timeout() bool }
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.As(err, &ne) || !ne.Timeout() {
				return err
			}
		}
		if now.Sub(heard) > staleAfter {
			return errStale
		}
		if err != nil || now.Sub(heard) >= heartbeat {
			if err := ps.Ping(ctx); err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		}
		if now.Sub(swept) >= sweepEvery {
			d.local.sweep(d.now())
			d.trimIndex(ctx, d.now())
			swept = now
		}
	}
}

// loadSnapshot copies every revocation still in force from the index.
func (d *Denylist) loadSnapshot(ctx context.Context) error {
	now := d.now()
	entries, err := d.rdb.ZRangeByScoreWithScores(ctx, d.indexKey(), &goredis.ZRangeBy{
		Min: fmt.Sprint(now.UnixMilli()), Max: "+inf",
	}).Result()
	if err != nil {
		return err
	}
	for _, z := range entries {
		member, _ := z.Member.(string)
		if err := d.local.apply(member, time.UnixMilli(int64(z.Score))); err != nil {
			return err
		}
	}
	return nil
}

// trimIndex drops expired entries from the index; any process may do it.
func (d *Denylist) trimIndex(ctx context.Context, now time.Time) {
	_ = d.rdb.ZRemRangeByScore(ctx, d.indexKey(), "-inf", fmt.Sprint(now.UnixMilli())).Err()
}
