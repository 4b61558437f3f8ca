package chapters

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// latencies collects request durations from parallel workers and reports
// p50/p99 and throughput next to Go's ns/op.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	q := func(p float64) float64 { return float64(l.d[int(float64(len(l.d)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(float64(len(l.d))/elapsed.Seconds(), "req/s")
}

// benchBook is a book of 50 chapters of about 3,000 words each.
func benchBook(b *testing.B) (*env, []chapterResponse) {
	e := newEnv(b)
	text := strings.Repeat("The keeper climbed the stairs again, counting each step twice. ", 300)
	chs := make([]chapterResponse, 50)
	for i := range chs {
		chs[i] = e.createChapter(fmt.Sprintf("Chapter %d", i+1), text)
	}
	return e, chs
}

// BenchmarkListChapters measures authenticated GET .../chapters (50
// chapters, without content) through the real router and PostgreSQL.
func BenchmarkListChapters(b *testing.B) {
	e, _ := benchBook(b)
	path := e.chaptersPath(e.project)
	var l latencies
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			resp := e.c.Get(path, e.viewer.Token)
			l.add(time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
			}
		}
	})
	l.report(b, time.Since(start))
}

// BenchmarkPatchChapter measures authenticated PATCH .../chapters/{id} with
// If-Match, each worker saving its own chapter (a version check, a row
// lock and an update per request; ~3,000-word content).
func BenchmarkPatchChapter(b *testing.B) {
	e, chs := benchBook(b)
	var next sync.Mutex
	i := 0
	var l latencies
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		ch := chs[i%len(chs)]
		i++
		next.Unlock()
		version := ch.Version
		n := 0
		for pb.Next() {
			n++
			t0 := time.Now()
			resp := e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.chapterPath(e.project, ch.ID), Token: e.editor.Token,
				Header: http.Header{"If-Match": {fmt.Sprintf(`"%d"`, version)}},
				Body:   map[string]any{"content": *ch.Content + fmt.Sprintf(" Edit %d.", n)}})
			l.add(time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d: %s", resp.StatusCode, resp.Body)
				return
			}
			version++
		}
	})
	l.report(b, time.Since(start))
}

// BenchmarkListChaptersBaseline is the floor for the list: the same SELECT
// straight through pgx and encoded as JSON, with no HTTP, auth or access
// check.
func BenchmarkListChaptersBaseline(b *testing.B) {
	e, _ := benchBook(b)
	ctx := context.Background()
	var l latencies
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			rows, err := e.pool.Query(ctx, `SELECT id, project_id, title, position, status, word_count, version, created_at, updated_at
				FROM chapters WHERE project_id = $1 AND deleted_at IS NULL AND position > -1 ORDER BY position LIMIT 51`, e.project)
			if err != nil {
				b.Error(err)
				return
			}
			type row struct {
				ID, ProjectID      uuid.UUID
				Title, Status      string
				Position, Words, V int32
				Created, Updated   time.Time
			}
			var out []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.ID, &r.ProjectID, &r.Title, &r.Position, &r.Status, &r.Words, &r.V, &r.Created, &r.Updated); err != nil {
					b.Error(err)
				}
				out = append(out, r)
			}
			rows.Close()
			if _, err := json.Marshal(out); err != nil {
				b.Error(err)
			}
			l.add(time.Since(t0))
		}
	})
	l.report(b, time.Since(start))
}
