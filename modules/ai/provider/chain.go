package provider

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"
)

// Policy is the one retry loop's rules.
type Policy struct {
	// Attempts is how many calls one provider gets for one request,
	// including the first (default 3).
	Attempts int
	// BaseDelay is the wait before the second attempt; it doubles for each
	// next one, up to MaxDelay, less up to a quarter of jitter (defaults
	// 500 ms and 8 s, as the SDKs' own loops).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// AttemptTimeout bounds one call (default 30 s); a stream's call until
	// its first text. The caller's context bounds them all.
	AttemptTimeout time.Duration
	// IdleTimeout bounds the wait between two pieces of a stream once it
	// has begun (default 30 s).
	IdleTimeout time.Duration
}

// The policy's defaults.
const (
	DefaultAttempts       = 3
	DefaultBaseDelay      = 500 * time.Millisecond
	DefaultMaxDelay       = 8 * time.Second
	DefaultAttemptTimeout = 30 * time.Second
	DefaultIdleTimeout    = 30 * time.Second
)

func (p Policy) withDefaults() Policy {
	if p.Attempts <= 0 {
		p.Attempts = DefaultAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = DefaultIdleTimeout
	}
	return p
}

// Link is one provider of a chain with the model it is asked for.
type Link struct {
	Provider Provider
	Model    string
}

// Chain asks its links in order. Each link gets Policy.Attempts calls:
//
//   - retried: no answer (connection refused or reset, a body cut short), a
//     timed-out attempt, 408, 409, 429, 5xx, 529;
//   - never retried: 400, 401, 403, 404, 422, a content-policy refusal, and
//     any failure after the first streamed text (the caller has shown it);
//   - the wait before a retry is the provider's Retry-After (or
//     retry-after-ms) when it asked for one, else exponential backoff with
//     jitter; a wait that does not fit in what remains of the context's
//     deadline is not waited: the chain falls back to the next link at once.
//
// It falls back to the next link when a link's retries are spent, when its
// wait does not fit, and on 401, 403 and 404 (that provider's key or model
// is wrong; another may serve). A 400, 422 or a refusal ends the chain: the
// request itself is the problem. The context's deadline bounds everything:
// when it passes, the chain answers a Timeout error.
type Chain struct {
	links  []Link
	policy Policy
}

// NewChain returns a chain over links under policy.
func NewChain(policy Policy, links ...Link) *Chain {
	return &Chain{links: links, policy: policy.withDefaults()}
}

// Links returns the chain's links, in order.
func (c *Chain) Links() []Link { return c.links }

// Policy returns the chain's policy, defaults applied.
func (c *Chain) Policy() Policy { return c.policy }

// Complete asks the chain for a whole answer.
func (c *Chain) Complete(ctx context.Context, r Request) (Response, error) {
	return c.run(ctx, r, nil)
}

// Stream asks the chain for a streamed answer; onDelta gets each piece of
// text. Once it has been called, a failure ends the chain (Streamed).
func (c *Chain) Stream(ctx context.Context, r Request, onDelta func(string) error) (Response, error) {
	if onDelta == nil {
		onDelta = func(string) error { return nil }
	}
	return c.run(ctx, r, onDelta)
}

// errAttemptTimeout and errIdle are the causes the chain cancels an attempt
// with, to tell its own timeouts from the caller's.
var (
	errAttemptTimeout = errors.New("attempt timed out")
	errIdle           = errors.New("stream idle too long")
)

func (c *Chain) run(ctx context.Context, r Request, onDelta func(string) error) (Response, error) {
	if len(c.links) == 0 {
		return Response{}, ErrNoProvider
	}
	start := time.Now()
	attempts := 0
	var last *Error
	for i, link := range c.links {
		req := r
		req.Model = link.Model
	retries:
		for n := 1; n <= c.policy.Attempts; n++ {
			attempts++
			resp, err := c.attempt(ctx, link.Provider, req, onDelta)
			if err == nil {
				resp.Provider = link.Provider.Name()
				if resp.Model == "" {
					resp.Model = link.Model
				}
				resp.Attempts, resp.FellBack, resp.Latency = attempts, i > 0, time.Since(start)
				return resp, nil
			}
			last = asProviderError(link.Provider.Name(), err)
			last.Attempts = attempts
			if ctx.Err() != nil {
				return Response{}, c.ended(ctx, link.Provider.Name(), attempts, err)
			}
			switch {
			case last.Streamed:
				return Response{}, last
			case !last.Retryable:
				if fallsBack(last.Status) {
					break retries
				}
				return Response{}, last
			case n == c.policy.Attempts:
				break retries
			}
			wait := last.RetryAfter
			if wait <= 0 {
				wait = c.backoff(n)
			}
			if !fits(ctx, wait) {
				break retries // fall back at once rather than sleep past the deadline
			}
			if err := sleep(ctx, wait); err != nil {
				return Response{}, c.ended(ctx, link.Provider.Name(), attempts, err)
			}
		}
	}
	return Response{}, last
}

// fallsBack says which non-retryable answers move on to the next link: the
// provider does not accept our key (401, 403) or does not know the model
// (404), which another provider may well.
func fallsBack(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound
}

// ended is the error of a chain whose context ended: a Timeout when its
// deadline passed, else the cancellation.
func (c *Chain) ended(ctx context.Context, provider string, attempts int, cause error) *Error {
	e := &Error{Provider: provider, Type: "canceled", Attempts: attempts, Err: errors.Join(ctx.Err(), cause)}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e.Type, e.Timeout = "timeout", true
	}
	return e
}

// attempt is one call, bounded by the attempt timeout (for a stream: until
// its first text, then by the idle timeout between pieces).
func (c *Chain) attempt(ctx context.Context, p Provider, r Request, onDelta func(string) error) (Response, error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(c.policy.AttemptTimeout, func() { cancel(errAttemptTimeout) })
	defer func() { timer.Stop() }() // the timer in force at the end
	if onDelta == nil {
		resp, err := p.Complete(actx, r)
		return resp, c.attemptError(actx, p.Name(), err, false)
	}
	started := false
	resp, err := p.Stream(actx, r, func(text string) error {
		if !started {
			started = true
			timer.Stop()
			timer = time.AfterFunc(c.policy.IdleTimeout, func() { cancel(errIdle) })
		} else {
			timer.Reset(c.policy.IdleTimeout)
		}
		return onDelta(text)
	})
	return resp, c.attemptError(actx, p.Name(), err, started)
}

// attemptError classifies the failure of one attempt, telling the chain's
// own timeouts (retryable until text has streamed) from the caller's.
func (c *Chain) attemptError(actx context.Context, provider string, err error, started bool) error {
	if err == nil {
		return nil
	}
	pe := asProviderError(provider, err)
	if cause := context.Cause(actx); actx.Err() != nil && (cause == errAttemptTimeout || cause == errIdle) {
		pe = &Error{Provider: provider, Type: cause.Error(), Timeout: true, Retryable: true, Err: err}
	}
	if started {
		pe.Streamed, pe.Retryable = true, false
	}
	return pe
}

// asProviderError returns err as *Error; an error that is not one (from a
// caller's onDelta, say) is wrapped as a non-retryable failure.
func asProviderError(provider string, err error) *Error {
	if pe := AsError(err); pe != nil {
		cp := *pe
		return &cp
	}
	return &Error{Provider: provider, Type: "aborted", Err: err}
}

// backoff is the wait after attempt n (1-based): BaseDelay × 2^(n-1), capped
// at MaxDelay, less up to 25% jitter.
func (c *Chain) backoff(n int) time.Duration {
	d := c.policy.BaseDelay << (n - 1)
	if d > c.policy.MaxDelay || d <= 0 {
		d = c.policy.MaxDelay
	}
	return time.Duration(float64(d) * (1 - 0.25*rand.Float64()))
}

// fits says whether waiting d still leaves time for another attempt
// before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
