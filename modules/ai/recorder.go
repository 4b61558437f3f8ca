package ai

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
)

// recorder writes the record of every call (ai_requests). While
// RecordInBackground runs (serve), records queue and a background goroutine
// writes them in batches, so an answer from the cache costs no insert of
// its own; otherwise (Lambda, whose sandbox is frozen between requests; the
// worker; a full queue) each is written at once.
type recorder struct {
	q   *store.Queries
	log *slog.Logger

	mu      sync.RWMutex
	running bool
	queue   chan store.InsertRequestParams
}

// Batching: at most recordBatch rows per COPY, at least every recordEvery.
const (
	recordBatch = 500
	recordEvery = 100 * time.Millisecond
	recordQueue = 10_000
)

func newRecorder(q *store.Queries, log *slog.Logger) *recorder {
	return &recorder{q: q, log: log} // the queue comes with run: most modes never start it
}

// add records p: queued while the background writer runs and has room,
// else written now.
func (r *recorder) add(ctx context.Context, p store.InsertRequestParams) error {
	r.mu.RLock()
	if r.running {
		select {
		case r.queue <- p:
			r.mu.RUnlock()
			return nil
		default:
		}
	}
	r.mu.RUnlock()
	return r.q.InsertRequest(ctx, p)
}

// run writes queued records in batches until ctx ends, then writes what is
// left and returns. Records added after that are written at once.
func (r *recorder) run(ctx context.Context) {
	r.mu.Lock()
	if r.queue == nil {
		r.queue = make(chan store.InsertRequestParams, recordQueue)
	}
	r.running = true
	queue := r.queue
	r.mu.Unlock()
	t := time.NewTicker(recordEvery)
	defer t.Stop()
	batch := make([]store.InsertRequestParams, 0, recordBatch)
	for {
		select {
		case p := <-queue:
			if batch = append(batch, p); len(batch) >= recordBatch {
				batch = r.flush(batch)
			}
		case <-t.C:
			batch = r.flush(batch)
		case <-ctx.Done():
			r.mu.Lock()
			r.running = false // adds from now on write at once
			r.mu.Unlock()
			for {
				select {
				case p := <-queue:
					batch = append(batch, p)
					continue
				default:
				}
				break
			}
			r.flush(batch)
			return
		}
	}
}

// flush writes a batch (one COPY) and returns it emptied. A failure loses
// the batch's records, which is logged with their count: they are
// accounting, and the allowances that limit spending live in Redis.
func (r *recorder) flush(batch []store.InsertRequestParams) []store.InsertRequestParams {
	if len(batch) == 0 {
		return batch
	}
	rows := make([]store.InsertRequestsParams, len(batch))
	for i, p := range batch {
		rows[i] = store.InsertRequestsParams(p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.q.InsertRequests(ctx, rows); err != nil {
		r.log.Error("ai call records lost", slog.Int("records", len(rows)), slog.String("error", fmt.Sprint(err)))
	}
	return batch[:0]
}

// RecordInBackground writes the records of AI calls in batches until ctx
// ends, then writes the rest and returns. A long-running server (serve)
// runs it; without it every record is written as its call ends.
func (m *Module) RecordInBackground(ctx context.Context) { m.svc.rec.run(ctx) }
