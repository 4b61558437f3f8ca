package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/testkit"
)

// BenchmarkBooksVsBaseline measures, in one run, the production server
// (every module wired as serve wires them: auth with the revocation-aware
// verifier and its in-process denylist copy, projects, chapters, research;
// JSON access log) on the three requests an author makes most:
//
//	GET   /api/v1/projects/{id}                 (a book of 50 chapters)
//	GET   /api/v1/projects/{id}/chapters        (the 50 chapters, without content)
//	PATCH /api/v1/projects/{id}/chapters/{cid}  (a ~17 KB save with If-Match)
//
// next to the baseline: a bare net/http handler doing the primary-key
// SELECT of the book with pgx and encoding JSON. Each side gets `clients`
// concurrent keep-alive clients; short windows of every side alternate so
// that load from other processes hits all alike. It ignores b.N: run it with
//
//	go test -run '^$' -bench BooksVsBaseline -benchtime 1x ./cmd/thebrain/
func BenchmarkBooksVsBaseline(b *testing.B) {
	const clients, rounds, win = 16, 6, time.Second
	cfg := testConfig(b)
	cfg.DatabaseMaxConns = 8
	api := httptest.NewServer(instanceLogging(b, cfg, log.New(io.Discard, "json", slog.LevelInfo)))
	defer api.Close()
	// The same pgx set-up as the server's pool (binary UUIDs), same size.
	pool, err := db.Open(context.Background(), cfg.DatabaseURL, db.Options{MaxConns: cfg.DatabaseMaxConns})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	base := httptest.NewServer(testkit.BaselineGetProject(pool))
	defer base.Close()

	c := &benchClient{http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}}
	book, chapters := c.seed(b, api.URL)
	// Every client saves its own chapter, so saves never conflict.
	versions := make([]atomic.Int32, clients)
	for i := range versions {
		versions[i].Store(1)
	}
	text := strings.Repeat("The tide came in over the causeway and the lamps went out one by one. ", 240)
	sides := []struct {
		name string
		do   func(client int) error
	}{
		{"baseline-get-project", func(int) error { return c.do("GET", base.URL+"/api/v1/projects/"+book, nil, 200, nil) }},
		{"api-get-project", func(int) error { return c.do("GET", api.URL+"/api/v1/projects/"+book, nil, 200, nil) }},
		{"api-list-chapters", func(int) error {
			return c.do("GET", api.URL+"/api/v1/projects/"+book+"/chapters?limit=50", nil, 200, nil)
		}},
		{"api-patch-chapter", func(i int) error {
			var out struct{ Version int32 }
			body := map[string]any{"content": fmt.Sprintf("%s (save %d)", text, versions[i].Load()), "version": versions[i].Load()}
			if err := c.do("PATCH", api.URL+"/api/v1/projects/"+book+"/chapters/"+chapters[i], body, 200, &out); err != nil {
				return err
			}
			versions[i].Store(out.Version)
			return nil
		}},
	}
	lat := make([][]time.Duration, len(sides))
	elapsed := make([]time.Duration, len(sides))
	for _, s := range sides {
		if _, err := window(clients, 200*time.Millisecond, s.do); err != nil { // warm up
			b.Fatalf("%s: %v", s.name, err)
		}
	}
	b.ResetTimer()
	for range rounds {
		for i, s := range sides {
			start := time.Now()
			l, err := window(clients, win, s.do)
			if err != nil {
				b.Fatalf("%s: %v", s.name, err)
			}
			lat[i] = append(lat[i], l...)
			elapsed[i] += time.Since(start)
		}
	}
	b.StopTimer()
	rps := make([]float64, len(sides))
	for i, s := range sides {
		slices.Sort(lat[i])
		rps[i] = float64(len(lat[i])) / elapsed[i].Seconds()
		b.ReportMetric(rps[i], s.name+"-req/s")
		b.ReportMetric(testkit.QuantileMs(lat[i], 0.50), s.name+"-p50-ms")
		b.ReportMetric(testkit.QuantileMs(lat[i], 0.99), s.name+"-p99-ms")
	}
	b.ReportMetric(100*rps[1]/rps[0], "api-get-project-%-of-baseline")
}

// window runs do from n goroutines for d and returns every call's latency,
// or the first error.
func window(n int, d time.Duration, do func(client int) error) ([]time.Duration, error) {
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var all []time.Duration
	var first error
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := do(i); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, first
}

// benchClient sends JSON requests with the author's token.
type benchClient struct {
	http  *http.Client
	token string
}

func (c *benchClient) do(method, url string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, msg)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// seed signs an author up and writes a book of 50 chapters (about 3,000
// words each) through the API.
func (c *benchClient) seed(b *testing.B, url string) (book string, chapters []string) {
	b.Helper()
	var s signedUp
	if err := c.do("POST", url+"/api/v1/auth/signup", map[string]string{
		"email": "bench@books.example", "password": "tidal lighthouse lamp, fifty chapters", "full_name": "Bench",
	}, 201, &s); err != nil {
		b.Fatal(err)
	}
	c.token = s.AccessToken
	var created struct{ ID string }
	if err := c.do("POST", url+"/api/v1/projects", map[string]any{"title": "The Benchmark", "genre": "Thriller", "target_word_count": 90000}, 201, &created); err != nil {
		b.Fatal(err)
	}
	book = created.ID
	words := strings.Repeat("Salt and iron and the long grey light of the northern shore. ", 300)
	for i := range 50 {
		var ch struct{ ID string }
		if err := c.do("POST", url+"/api/v1/projects/"+book+"/chapters", map[string]any{"title": fmt.Sprintf("Chapter %d", i+1), "content": words}, 201, &ch); err != nil {
			b.Fatal(err)
		}
		chapters = append(chapters, ch.ID)
	}
	return book, chapters
}
