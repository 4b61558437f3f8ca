package db

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/thebrain/thebrain/platform/apperr"
)

// fakeClock is the breaker's time, moved by the test.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) add(d time.Duration)  { c.t = c.t.Add(d) }
func testBreaker() (*breaker, *fakeClock) { return testBreakerAt(time.Unix(1_700_000_000, 0)) }
func testBreakerAt(t time.Time) (*breaker, *fakeClock) {
	c := &fakeClock{t: t}
	b := newBreaker()
	b.now = c.now
	return b, c
}

var errRefused = &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}

// mustAllow asks for an attempt that must be let through.
func mustAllow(t *testing.T, b *breaker) bool {
	t.Helper()
	probe, err := b.allow()
	if err != nil {
		t.Fatalf("attempt refused: %v", err)
	}
	return probe
}

// mustRefuse asks for an attempt that must be refused as Unavailable.
func mustRefuse(t *testing.T, b *breaker) *apperr.Error {
	t.Helper()
	_, err := b.allow()
	if err == nil {
		t.Fatal("attempt let through while the breaker should refuse")
	}
	ae := apperr.As(err)
	if ae.Kind != apperr.Unavailable || ae.RetryAfter <= 0 || !errors.Is(err, errPaused) {
		t.Fatalf("refusal = %#v, want Unavailable with a Retry-After, caused by errPaused", ae)
	}
	return ae
}

func TestBreakerPausesAfterAFailureAndProbesOnce(t *testing.T) {
	t.Parallel()
	b, clock := testBreaker()
	// Closed: every attempt goes, none is a probe.
	for range 3 {
		if mustAllow(t, b) {
			t.Fatal("a closed breaker made a probe")
		}
	}
	b.done(false, errRefused)
	ae := mustRefuse(t, b)
	if ae.RetryAfter > b.minWait*12/10 {
		t.Fatalf("Retry-After %s, want at most the first pause (%s + jitter)", ae.RetryAfter, b.minWait)
	}
	// The two other attempts from before the failure end badly too: they
	// must not lengthen the pause.
	b.done(false, errRefused)
	b.done(false, errRefused)
	if b.wait != b.minWait {
		t.Fatalf("pause %s after stale failures, want %s", b.wait, b.minWait)
	}
	clock.add(b.maxWait) // well past the pause
	if !mustAllow(t, b) {
		t.Fatal("the first attempt after the pause is not the probe")
	}
	mustRefuse(t, b) // one probe at a time
	b.done(true, nil)
	for range 3 {
		if mustAllow(t, b) {
			t.Fatal("a breaker closed by a good probe still probes")
		}
	}
}

func TestBreakerBackoffDoublesUpToTheMaximum(t *testing.T) {
	t.Parallel()
	b, clock := testBreaker()
	mustAllow(t, b)
	b.done(false, errRefused)
	var waits []time.Duration
	for range 8 {
		waits = append(waits, b.wait)
		// Just before the pause (jitter included) ends: still refused.
		clock.add(b.wait * 7 / 10)
		mustRefuse(t, b)
		clock.add(b.wait * 6 / 10)
		if !mustAllow(t, b) {
			t.Fatal("expected the probe")
		}
		b.done(true, fmt.Errorf("dial: %w", errRefused))
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000, 2000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("pauses %v, want %v", waits, want)
	}
}

func TestBreakerClosesWhenTheServerAnswers(t *testing.T) {
	t.Parallel()
	b, clock := testBreaker()
	mustAllow(t, b)
	b.done(false, errRefused)
	clock.add(time.Second)
	probe := mustAllow(t, b)
	// A wrong password is the server answering: not an outage, and no
	// reason to keep refusing.
	b.done(probe, &pgconn.PgError{Severity: "FATAL", Code: "28P01"})
	if probe, _ := b.allow(); probe {
		t.Fatal("breaker still open after the server answered")
	}
}
