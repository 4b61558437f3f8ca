package redis

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The circuit breaker. Redis holds only state the application can do
// without for a while (rate limits fail closed with 503, token checks fall
// back to PostgreSQL), so the real cost of an outage is waiting for Redis:
// a killed server costs each command its retries (about 100 ms), a frozen
// one the 2 s read timeout, on every request. The breaker remembers the
// failure between requests instead:
//
//   - closed: commands go to Redis. One that fails for any reason other
//     than an answer from Redis (connection refused or reset, timeout,
//     exhausted pool) opens the breaker. go-redis has already retried it,
//     so one failure is strong evidence.
//   - open: every command fails at once with ErrUnavailable, without
//     touching the network. One background probe at a time (PING, at most
//     probeTimeout) asks Redis: at once, then every probeEvery. This is the
//     half-open state, and no request ever waits for it.
//   - the first probe Redis answers closes the breaker.

const (
	probeEvery   = 500 * time.Millisecond
	probeTimeout = time.Second
)

// RetryAfter is the retry hint for an answer refused because Redis is
// unavailable: a recovered Redis is found by the next probe, within
// probeEvery (plus the probe's own round trip).
const RetryAfter = time.Second

// ErrUnavailable is what every command returns, without contacting Redis,
// while the breaker is open.
var ErrUnavailable = errors.New("redis: unavailable (a recent command failed; failing fast until a probe succeeds)")

type breaker struct {
	client *goredis.Client
	open   atomic.Bool
	log    atomic.Pointer[slog.Logger]

	mu      sync.Mutex
	healthy chan struct{} // closed while the breaker is closed
}

func newBreaker(c *goredis.Client) *breaker {
	b := &breaker{client: c, healthy: make(chan struct{})}
	close(b.healthy)
	return b
}

type probeKey struct{}

// DialHook implements goredis.Hook: dialing is not guarded (only commands
// are; pub/sub connections report through ReportFailure).
func (b *breaker) DialHook(next goredis.DialHook) goredis.DialHook { return next }

// ProcessHook implements goredis.Hook.
func (b *breaker) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if b.open.Load() && ctx.Value(probeKey{}) == nil {
			return ErrUnavailable
		}
		err := next(ctx, cmd)
		b.observe(ctx, err)
		return err
	}
}

// ProcessPipelineHook implements goredis.Hook (pipelines and transactions).
func (b *breaker) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		// A new connection's handshake (HELLO, AUTH, SELECT) is a pipeline
		// too, under the context of the command that needed it: the
		// probe's must pass.
		if b.open.Load() && ctx.Value(probeKey{}) == nil {
			for _, c := range cmds {
				c.SetErr(ErrUnavailable)
			}
			return ErrUnavailable
		}
		err := next(ctx, cmds)
		b.observe(ctx, err)
		return err
	}
}

// observe opens the breaker when err says Redis could not be reached.
func (b *breaker) observe(ctx context.Context, err error) {
	if isOutage(ctx, err) {
		b.trip(err)
	}
}

// isOutage tells a failure to reach Redis from everything else: no error,
// an answer from Redis (including Nil and error replies), the caller giving
// up (its ctx is done), a closed client, or the breaker's own refusal.
func isOutage(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var answer goredis.Error
	return !errors.As(err, &answer) && !errors.Is(err, goredis.ErrClosed) && !errors.Is(err, ErrUnavailable)
}

func (b *breaker) trip(cause error) {
	b.mu.Lock()
	if b.open.Load() {
		b.mu.Unlock()
		return
	}
	b.healthy = make(chan struct{})
	b.open.Store(true)
	b.mu.Unlock()
	if l := b.log.Load(); l != nil {
		l.Warn("redis unavailable: commands fail fast until a probe succeeds",
			slog.String("error", cause.Error()), slog.Duration("probe_every", probeEvery))
	}
	go b.probe()
}

// probe pings Redis until it answers, then closes the breaker. It stops
// when the client is closed.
func (b *breaker) probe() {
	started := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), probeKey{}, true), probeTimeout)
		err := b.client.Ping(ctx).Err()
		cancel()
		var answer goredis.Error
		if err == nil || errors.As(err, &answer) {
			b.mu.Lock()
			b.open.Store(false)
			close(b.healthy)
			b.mu.Unlock()
			if l := b.log.Load(); l != nil {
				l.Info("redis available again", slog.Duration("unavailable_for", time.Since(started).Round(time.Millisecond)))
			}
			return
		}
		if errors.Is(err, goredis.ErrClosed) {
			return
		}
		time.Sleep(probeEvery)
	}
}

func (b *breaker) recovered() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.healthy
}
