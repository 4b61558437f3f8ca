package db

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/apperr"
)

// The breaker's backoff: the first pause after a failed connection attempt,
// and the longest, which also bounds how late a recovered database is
// noticed.
const (
	breakerMinWait = 100 * time.Millisecond
	breakerMaxWait = 2 * time.Second
)

// errPaused is the cause of a connection attempt the breaker refused.
var errPaused = errors.New("connection attempts to the database are paused after a failure")

// breaker keeps a pool from dialling a database that is down. Without it
// every request that finds no idle connection dials, so an outage under
// load turns into thousands of connection attempts a second, each request
// waiting for its own failure.
//
// After a connection attempt fails because the database is unavailable,
// the breaker refuses new attempts for a pause (100 ms, doubling on each
// further failure up to 2 s, with some jitter so that many servers do not
// probe in step). When the pause is over it lets exactly one attempt
// through, the probe, and keeps refusing the rest until the probe ends: a
// success closes the breaker, a failure starts a longer pause. A refused
// attempt is an Unavailable error at once, with Retry-After set to the rest
// of the pause.
type breaker struct {
	minWait, maxWait time.Duration
	now              func() time.Time

	mu      sync.Mutex
	open    bool          // an attempt failed and none has succeeded since
	wait    time.Duration // the current pause
	until   time.Time     // no attempt before this
	probing bool          // the probe is under way
	cause   error         // the failure that opened or extended the pause
}

func newBreaker() *breaker {
	return &breaker{minWait: breakerMinWait, maxWait: breakerMaxWait, now: time.Now}
}

// allow is asked before every connection attempt. It returns an error when
// the attempt must not be made, and whether the attempt is the probe.
func (b *breaker) allow() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, nil
	}
	now := b.now()
	if now.Before(b.until) || b.probing {
		retry := b.until.Sub(now)
		if retry <= 0 {
			retry = b.minWait // the probe is under way; its answer is due soon
		}
		return false, &apperr.Error{Kind: apperr.Unavailable, Detail: "the database is not answering; try again shortly",
			RetryAfter: retry, Err: fmt.Errorf("%w: %w", errPaused, b.cause)}
	}
	b.probing = true
	return true, nil
}

// done records how an attempt that allow let through ended.
func (b *breaker) done(probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	if !IsUnavailable(err) {
		// Connected, or the server answered (a wrong password is not an
		// outage): the database is there.
		b.open, b.wait = false, 0
		return
	}
	switch {
	case !b.open:
		b.open, b.wait = true, b.minWait
	case probe:
		b.wait = min(2*b.wait, b.maxWait)
	default:
		// An attempt that started before the breaker opened: it tells
		// nothing new, and must not lengthen the pause.
		return
	}
	b.cause = err
	// ±20% jitter: servers that saw the same outage start do not probe in step.
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(b.wait))
	b.until = b.now().Add(b.wait + jitter)
}

// attemptTracer reports how one connection attempt ended to the breaker.
// BeforeConnect sets it on that attempt's configuration.
type attemptTracer struct {
	b     *breaker
	probe bool
	creds Credentials // nil: the URL's user and password
}

func (t attemptTracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return ctx
}

func (t attemptTracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	t.b.done(t.probe, data.Err)
	if t.creds != nil && IsAuthFailure(data.Err) {
		// The next attempt uses what the secret holds now. This one has
		// failed already: its request gets a retryable 503.
		t.creds.Refused(context.WithoutCancel(ctx))
	}
}

func (attemptTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (attemptTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// beforeConnect is the pool's BeforeConnect hook: it asks the breaker and
// has the attempt's outcome reported back.
func (b *breaker) beforeConnect(_ context.Context, cc *pgx.ConnConfig) error {
	probe, err := b.allow()
	if err != nil {
		return err
	}
	cc.Tracer = attemptTracer{b: b, probe: probe}
	cc.DialFunc = b.skipCancelWhileOpen(cc.DialFunc)
	return nil
}

// skipCancelWhileOpen wraps a connection's dial function. The first dial is
// the connection itself, which allow has already let through. pgconn dials
// again for every connection that breaks (or fails half-way through its
// start-up) to send a cancel request; while the breaker is open that would
// only double the connection attempts against a server that is down, and
// the server ends the query with the connection anyway.
func (b *breaker) skipCancelWhileOpen(dial pgconn.DialFunc) pgconn.DialFunc {
	var dialled atomic.Bool
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dialled.Swap(true) {
			b.mu.Lock()
			open := b.open
			b.mu.Unlock()
			if open {
				return nil, errPaused
			}
		}
		return dial(ctx, network, addr)
	}
}

// acquireTracer bounds the wait for a pooled connection. pgxpool has no
// acquire timeout: a request waits for a connection until its own deadline,
// so a database that hangs (or a pool exhausted by slow queries) turns into
// a queue of requests that all end as 504s long after the fact. With it
// they get 503 unavailable after at most timeout.
type acquireTracer struct {
	timeout time.Duration
	err     error // what the bounded context reports when the timeout fired
}

func newAcquireTracer(timeout time.Duration) acquireTracer {
	return acquireTracer{timeout: timeout, err: &apperr.Error{Kind: apperr.Unavailable,
		Detail: "the database is busy or not answering; try again shortly", RetryAfter: unavailableRetry,
		// Wrapping DeadlineExceeded keeps errors.Is(err, context.DeadlineExceeded) true.
		Err: fmt.Errorf("no database connection within %s: %w", timeout, context.DeadlineExceeded)}}
}

func (t acquireTracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	if t.timeout <= 0 {
		return ctx
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= t.timeout {
		return ctx // the caller's own deadline comes first, and is its own (504) story
	}
	bounded, cancel := context.WithTimeout(ctx, t.timeout)
	return &acquireContext{Context: bounded, parent: ctx, cancel: cancel, timeoutErr: t.err}
}

func (t acquireTracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	if c, ok := ctx.(*acquireContext); ok {
		c.cancel()
	}
}

func (acquireTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (acquireTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// acquireContext is the context pgxpool waits for a connection with. The
// pool returns its Err as the acquire error, so Err names the acquire
// timeout (an Unavailable apperr that also matches
// context.DeadlineExceeded) when that, and not the caller's deadline, ended
// the wait.
type acquireContext struct {
	context.Context
	parent     context.Context
	cancel     context.CancelFunc
	timeoutErr error
}

func (c *acquireContext) Err() error {
	err := c.Context.Err()
	if errors.Is(err, context.DeadlineExceeded) && c.parent.Err() == nil {
		return c.timeoutErr
	}
	return err
}
