package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/testkit"
)

// BenchmarkAICacheHitVsGetProject measures, in one run and through the
// production server (every module wired as serve wires them, JSON access
// log, a pool of 8), an AI answer served from the cache next to
// GET /api/v1/projects/{id}. The book has 10 chapters, each with a kept
// summary, 20 research notes and a style sample; the rewrite (a ~600
// character passage, rephrase, 3 versions) mentions two of the notes, so a
// hit does everything a call does but ask the provider: authenticate,
// check the role, gather the context (notes mentioned, story so far, style),
// render the prompt, hash the key, read Redis, record the hit. Each side
// gets `clients` concurrent keep-alive clients in alternating windows. It
// ignores b.N: run it with
//
//	go test -run '^$' -bench AICacheHitVsGetProject -benchtime 1x ./cmd/thebrain/
func BenchmarkAICacheHitVsGetProject(b *testing.B) {
	const clients, rounds, win = 16, 6, time.Second
	fake := providertest.NewAnthropic(b)
	fake.Respond(func(c providertest.Call) providertest.Reply {
		if strings.Contains(c.System, "<<<NEXT>>>") {
			return providertest.Reply{Text: "One.\n<<<NEXT>>>\nTwo.\n<<<NEXT>>>\nThree."}
		}
		return providertest.Reply{Text: "A summary of the chapter."}
	})
	cfg := testConfig(b)
	cfg.DatabaseMaxConns = 8
	cfg.AnthropicAPIKey, cfg.AnthropicBaseURL = "bench", fake.BaseURL()
	cfg.AIHourlyLimit = 1000
	api := httptest.NewServer(instanceLogging(b, cfg, log.New(io.Discard, "json", slog.LevelInfo)))
	defer api.Close()

	c := &benchClient{http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}}
	book := seedAIBook(b, c, api.URL)
	passage := "Mara Vell climbed the stairs of the Old Lighthouse while the storm broke over the causeway. " +
		strings.Repeat("The wind tore at the shutters and the lamp room smelled of oil and salt. ", 7)
	rewrite := map[string]any{"project_id": book, "text": passage, "operation": "rephrase"}
	var first struct{ Cached bool }
	if err := c.do("POST", api.URL+"/api/v1/ai/rewrite", rewrite, 200, &first); err != nil || first.Cached {
		b.Fatalf("first rewrite: cached %v, %v", first.Cached, err)
	}
	calls := fake.Calls()
	sides := []struct {
		name string
		do   func(client int) error
	}{
		{"api-get-project", func(int) error { return c.do("GET", api.URL+"/api/v1/projects/"+book, nil, 200, nil) }},
		{"api-ai-cache-hit", func(int) error {
			var a struct{ Cached bool }
			if err := c.do("POST", api.URL+"/api/v1/ai/rewrite", rewrite, 200, &a); err != nil {
				return err
			}
			if !a.Cached {
				return fmt.Errorf("not a cache hit")
			}
			return nil
		}},
	}
	for _, s := range sides {
		if _, err := window(clients, 200*time.Millisecond, s.do); err != nil { // warm up
			b.Fatalf("%s: %v", s.name, err)
		}
	}
	lat := make([][]time.Duration, len(sides))
	elapsed := make([]time.Duration, len(sides))
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
	if fake.Calls() != calls {
		b.Fatalf("%d provider calls during the run", fake.Calls()-calls)
	}
	rps := make([]float64, len(sides))
	for i, s := range sides {
		slices.Sort(lat[i])
		rps[i] = float64(len(lat[i])) / elapsed[i].Seconds()
		b.ReportMetric(rps[i], s.name+"-req/s")
		b.ReportMetric(testkit.QuantileMs(lat[i], 0.50), s.name+"-p50-ms")
		b.ReportMetric(testkit.QuantileMs(lat[i], 0.99), s.name+"-p99-ms")
	}
	b.ReportMetric(100*rps[1]/rps[0], "ai-cache-hit-%-of-get-project")
}

// seedAIBook signs an author up and writes, through the API, a book of 10
// chapters with their summaries, 20 notes and a style sample.
func seedAIBook(b *testing.B, c *benchClient, url string) string {
	b.Helper()
	var s signedUp
	if err := c.do("POST", url+"/api/v1/auth/signup", map[string]string{
		"email": "bench@ai.example", "password": "tidal lighthouse lamp, ten chapters", "full_name": "Bench",
	}, 201, &s); err != nil {
		b.Fatal(err)
	}
	c.token = s.AccessToken
	var created struct{ ID string }
	if err := c.do("POST", url+"/api/v1/projects", map[string]any{"title": "The Benchmark"}, 201, &created); err != nil {
		b.Fatal(err)
	}
	book := created.ID
	words := strings.Repeat("Salt and iron and the long grey light of the northern shore. ", 300)
	for i := range 10 {
		var ch struct{ ID string }
		if err := c.do("POST", url+"/api/v1/projects/"+book+"/chapters", map[string]any{"title": fmt.Sprintf("Chapter %d", i+1), "content": words}, 201, &ch); err != nil {
			b.Fatal(err)
		}
		if err := c.do("POST", url+"/api/v1/ai/summarize", map[string]any{"project_id": book, "chapter_id": ch.ID, "length": "short"}, 200, nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 20 {
		title := fmt.Sprintf("Note %d", i)
		switch i {
		case 3:
			title = "Mara Vell"
		case 7:
			title = "Old Lighthouse"
		}
		if err := c.do("POST", url+"/api/v1/projects/"+book+"/notes", map[string]any{
			"title": title, "body": strings.Repeat("A fact of the book. ", 20), "tags": []string{fmt.Sprintf("tag%d", i)},
		}, 201, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.do("PUT", url+"/api/v1/projects/"+book+"/ai/style", map[string]any{"sample": strings.Repeat("Short sentences. Salt. ", 40)}, 200, nil); err != nil {
		b.Fatal(err)
	}
	_ = context.Background()
	return book
}
