package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestSoakRedisOutage measures authenticated reads through one server
// process while its private Redis is up, killed, restarted, and frozen:
// latency percentiles and throughput per phase, with the same load
// throughout. It takes about two minutes, so it runs only under
// `make soak` (THEBRAIN_SOAK=1); docs/reliability.md keeps its numbers.
// THEBRAIN_SOAK_PHASE sets the length of each phase (default 20s).
func TestSoakRedisOutage(t *testing.T) {
	if os.Getenv("THEBRAIN_SOAK") != "1" {
		t.Skip("a soak run: make soak")
	}
	phaseLen := 20 * time.Second
	if v := os.Getenv("THEBRAIN_SOAK_PHASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("THEBRAIN_SOAK_PHASE: %v", err)
		}
		phaseLen = d
	}
	const clients = 4

	srv := testkit.RedisServer(t)
	cfg := testConfig(t)
	cfg.RedisURL = srv.URL()
	n := startNode(t, cfg)
	tok := signup(t, n.Client, "soak@redis.example", "a steady stream of readers", "Soak").AccessToken
	r := n.Send("POST", "/api/v1/projects", tok, map[string]any{"title": "Soak", "genre": "Thriller", "target_word_count": 90000})
	testkit.WantStatus(t, r, http.StatusCreated)
	var book struct {
		ID string `json:"id"`
	}
	r.JSON(t, &book)
	await(t, "the copy to be live", n.live)
	reads := []string{"/api/v1/auth/me", "/api/v1/projects/" + book.ID}

	type sample struct {
		phase, read int
		d           time.Duration
		ok          bool
	}
	phases := []struct {
		name   string
		inject func()
	}{
		{"warm-up", func() {}},
		{"Redis up", func() {}},
		{"Redis killed", srv.Kill},
		{"Redis restarted", func() { srv.Restart() }},
		{"Redis frozen", srv.Freeze},
		{"Redis thawed", srv.Thaw},
	}
	var phase atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var mu sync.Mutex
	var samples []sample
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			var mine []sample
			for i := c; ctx.Err() == nil; i++ {
				p, read := int(phase.Load()), i%len(reads)
				req, _ := http.NewRequest("GET", n.URL+reads[read], nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				start := time.Now()
				resp, err := hc.Do(req)
				d := time.Since(start)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					resp.Body.Close()
				}
				mine = append(mine, sample{p, read, d, ok})
			}
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		})
	}
	for i, p := range phases {
		phase.Store(int64(i))
		p.inject()
		length := phaseLen
		if i == 0 {
			length = 3 * time.Second
		}
		time.Sleep(length)
	}
	stop()
	wg.Wait()

	// One table per read: p50, p99, max and throughput per phase.
	var out strings.Builder
	type stats struct{ p50, p99, max, rps float64 }
	results := map[[2]int]stats{}
	for read, path := range reads {
		fmt.Fprintf(&out, "\nGET %s (%d clients, %s per phase)\n", path, clients, phaseLen)
		fmt.Fprintf(&out, "%-16s %8s %8s %8s %8s %8s %7s %7s\n", "phase", "requests", "p50 ms", "p99 ms", "max ms", "req/s", ">250ms", "errors")
		for pi, p := range phases[1:] {
			pi++
			var ds []time.Duration
			errs, slow := 0, 0
			for _, s := range samples {
				if s.phase == pi && s.read == read {
					ds = append(ds, s.d)
					if !s.ok {
						errs++
					}
					if s.d > 250*time.Millisecond {
						slow++
					}
				}
			}
			if len(ds) == 0 {
				t.Fatalf("%s: no requests in phase %s", path, p.name)
			}
			slices.Sort(ds)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			st := stats{ms(ds[len(ds)/2]), ms(ds[len(ds)*99/100]), ms(ds[len(ds)-1]), float64(len(ds)) / phaseLen.Seconds()}
			results[[2]int{pi, read}] = st
			fmt.Fprintf(&out, "%-16s %8d %8.2f %8.2f %8.1f %8.0f %7d %7d\n", p.name, len(ds), st.p50, st.p99, st.max, st.rps, slow, errs)
			if errs > 0 {
				t.Errorf("%s during %s: %d requests failed", path, p.name, errs)
			}
		}
	}
	t.Log(out.String())
	// The guarantee: p99 during an outage within twice the p99 with Redis up.
	for read, path := range reads {
		normal := results[[2]int{1, read}].p99
		for _, pi := range []int{2, 4} {
			if got := results[[2]int{pi, read}].p99; got > 2*normal {
				t.Errorf("%s: p99 %.2f ms during %s, more than twice the %.2f ms with Redis up", path, got, phases[pi].name, normal)
			}
		}
	}
}
