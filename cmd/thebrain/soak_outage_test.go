//go:build soak

package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/config"
)

// phaseStats is what the load saw in one phase.
type phaseStats struct {
	name      string
	took      time.Duration
	requests  int
	statuses  map[int]int
	latencies []time.Duration
	dials     int64
	noRetry   int // 503s without Retry-After
}

func (p *phaseStats) add(r reply) {
	p.requests++
	p.statuses[r.status]++
	p.latencies = append(p.latencies, r.took)
	if r.status == http.StatusServiceUnavailable && r.retryAfter == "" {
		p.noRetry++
	}
}

func (p *phaseStats) percentile(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	slices.Sort(p.latencies)
	return p.latencies[int(q*float64(len(p.latencies)-1))]
}

func (p *phaseStats) String() string {
	return fmt.Sprintf("%-9s %5.1fs %7d requests %8.0f/s  statuses %v  p50 %-8s p99 %-8s  %d connection attempts (%.1f/s)",
		p.name, p.took.Seconds(), p.requests, float64(p.requests)/p.took.Seconds(), p.statuses,
		p.percentile(0.5).Round(time.Microsecond), p.percentile(0.99).Round(time.Microsecond),
		p.dials, float64(p.dials)/p.took.Seconds())
}

// TestSoakDatabaseOutage puts the server (production pool size) under
// steady load from 32 clients, stops PostgreSQL for 5 s, starts it again
// and keeps the load on: the numbers in docs/reliability.md come from
// here. Run it with `make soak`.
func TestSoakDatabaseOutage(t *testing.T) {
	base := newOutageRig(t)
	rig := base.withServer(t, func(cfg *config.Config) { cfg.DatabaseMaxConns = 20 })
	alice := rig.signup(t, "alice@soak.example")
	if r := rig.call("POST", "/api/v1/projects", alice.access, map[string]string{"title": "Soak"}); r.status != http.StatusCreated {
		t.Fatalf("create project: %d %s", r.status, r.body)
	}

	var mu sync.Mutex
	phase := &phaseStats{name: "before", statuses: map[int]int{}}
	phaseStart, dialsAt := time.Now(), rig.proxy.Accepted()
	next := func(name string) *phaseStats {
		mu.Lock()
		defer mu.Unlock()
		done := phase
		done.took, done.dials = time.Since(phaseStart), rig.proxy.Accepted()-dialsAt
		phase = &phaseStats{name: name, statuses: map[int]int{}}
		phaseStart, dialsAt = time.Now(), rig.proxy.Accepted()
		return done
	}
	var firstOK time.Time // first 200 after PostgreSQL is back
	var resumed time.Time

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			for ctx.Err() == nil {
				var r reply
				if i%8 == 0 {
					r = rig.call("POST", "/api/v1/auth/login", "", map[string]string{"email": alice.email, "password": alice.password})
				} else {
					r = rig.call("GET", "/api/v1/projects", alice.access, nil)
				}
				mu.Lock()
				phase.add(r)
				if !resumed.IsZero() && firstOK.IsZero() && r.status == http.StatusOK {
					firstOK = time.Now()
				}
				mu.Unlock()
			}
		})
	}

	time.Sleep(5 * time.Second)
	before := next("outage")
	if err := rig.cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	if err := rig.cluster.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	outage := next("after")
	mu.Lock()
	resumed = time.Now()
	mu.Unlock()
	time.Sleep(5 * time.Second)
	stop()
	wg.Wait()
	after := next("")

	for _, p := range []*phaseStats{before, outage, after} {
		t.Log(p)
	}
	t.Logf("first 200 %s after PostgreSQL was back", firstOK.Sub(resumed).Round(time.Millisecond))

	for _, p := range []*phaseStats{before, outage, after} {
		for status := range p.statuses {
			if status >= 500 && status != http.StatusServiceUnavailable {
				t.Errorf("%s: %d × %d", p.name, p.statuses[status], status)
			}
		}
		if p.noRetry > 0 {
			t.Errorf("%s: %d × 503 without Retry-After", p.name, p.noRetry)
		}
	}
	// The outage phase includes pg_ctl's own shutdown and start-up; the
	// breaker allows the attempts under way, cancel requests for broken
	// connections and about one probe per 2 s.
	if outage.dials > 2*20+15 {
		t.Errorf("%d connection attempts during the outage", outage.dials)
	}
	if firstOK.IsZero() || firstOK.Sub(resumed) > 5*time.Second {
		t.Errorf("no recovery within 5 s of PostgreSQL being back")
	}
}
