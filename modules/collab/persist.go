package collab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/collab/internal/store"
	"github.com/thebrain/thebrain/platform/db"
)

// Persistence. Every instance that reads a document's stream writes what it
// reads to collab_updates, in stream order, in batches (every Timing.Flush,
// so an update is in PostgreSQL about a second after it was accepted at the
// latest). Rows are keyed by their stream id, so several instances writing
// the same entries is harmless, and an instance killed before its write
// loses nothing: another instance hosting the document wrote it, or the
// next one to load the document reads it from the stream and writes it.
//
// Because every writer writes a contiguous run of the stream from the point
// where it loaded the document, an entry in the table means every entry
// before it is in the table or folded into the snapshot. Compaction relies
// on that: it folds every row into the snapshot and records the last row's
// stream id, and the stream is trimmed only well behind that id.

// pendingRow is one stream entry waiting to be written.
type pendingRow struct {
	chapter uuid.UUID
	id      streamID
	update  []byte
}

// docDebt is what a document has accumulated since its last compaction
// here.
type docDebt struct {
	rows       int
	bytes      int
	lastChange time.Time
}

// flushBatch bounds one INSERT.
const flushBatch = 1000

type persister struct {
	h    *hub
	pool *pgxpool.Pool
	q    *store.Queries

	// flushing serializes flushes (the loop's and a shutdown's): a batch
	// leaves the queue only after it committed.
	flushing sync.Mutex

	mu    sync.Mutex
	queue []pendingRow
	debt  map[uuid.UUID]*docDebt
	// flushed is signalled after every flush attempt, for those waiting
	// for the queue to drain (shutdown, tests).
	flushed *sync.Cond
	kick    chan struct{}
}

func newPersister(h *hub, pool *pgxpool.Pool) *persister {
	p := &persister{h: h, pool: pool, q: store.New(pool), debt: map[uuid.UUID]*docDebt{}, kick: make(chan struct{}, 1)}
	p.flushed = sync.NewCond(&p.mu)
	return p
}

func (p *persister) enqueue(rows ...pendingRow) {
	if len(rows) == 0 {
		return
	}
	p.mu.Lock()
	p.queue = append(p.queue, rows...)
	big := len(p.queue) >= flushBatch
	p.mu.Unlock()
	if big {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

// run flushes and compacts until ctx ends.
func (p *persister) run(ctx context.Context) {
	t := time.NewTicker(p.h.timing.Flush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick:
		}
		if err := p.flush(ctx); err != nil && ctx.Err() == nil {
			p.h.log.Warn("collab: writing updates to PostgreSQL failed; retrying", slog.String("error", err.Error()))
			continue
		}
		for _, id := range p.due(p.h.now()) {
			if err := p.compact(ctx, id); err != nil && ctx.Err() == nil {
				p.h.log.Warn("collab: compaction failed; retrying", slog.String("chapter_id", id.String()), slog.String("error", err.Error()))
				p.owe(id, p.h.now())
			}
		}
	}
}

// flush writes everything queued, in batches. Rows stay queued until a
// batch commits; rows of a chapter that no longer exists (purged) are
// dropped.
func (p *persister) flush(ctx context.Context) error {
	p.flushing.Lock()
	defer p.flushing.Unlock()
	defer func() {
		p.mu.Lock()
		p.flushed.Broadcast()
		p.mu.Unlock()
	}()
	for {
		p.mu.Lock()
		n := min(len(p.queue), flushBatch)
		batch := p.queue[:n:n]
		p.mu.Unlock()
		if n == 0 {
			return nil
		}
		err := p.insert(ctx, batch)
		if err != nil && db.IsForeignKeyViolation(err) {
			// A chapter was purged while open: write the batch chapter by
			// chapter and drop the rows of the ones that are gone.
			err = p.insertEach(ctx, batch)
		}
		if err != nil {
			return err
		}
		now := p.h.now()
		p.mu.Lock()
		for _, r := range batch {
			d := p.debt[r.chapter]
			if d == nil {
				d = &docDebt{}
				p.debt[r.chapter] = d
			}
			d.rows++
			d.bytes += len(r.update)
			d.lastChange = now
		}
		clear(p.queue[:n])
		p.queue = p.queue[n:]
		if len(p.queue) == 0 {
			p.queue = nil
		}
		p.mu.Unlock()
	}
}

func (p *persister) insert(ctx context.Context, rows []pendingRow) error {
	arg := store.InsertUpdatesParams{
		ChapterIds: make([]uuid.UUID, len(rows)), StreamMs: make([]int64, len(rows)),
		StreamSeq: make([]int64, len(rows)), Updates: make([][]byte, len(rows)),
	}
	for i, r := range rows {
		arg.ChapterIds[i], arg.StreamMs[i], arg.StreamSeq[i], arg.Updates[i] = r.chapter, int64(r.id.ms), int64(r.id.seq), r.update
	}
	if _, err := p.q.InsertUpdates(ctx, arg); err != nil {
		return fmt.Errorf("insert %d updates: %w", len(rows), err)
	}
	return nil
}

func (p *persister) insertEach(ctx context.Context, rows []pendingRow) error {
	byChapter := map[uuid.UUID][]pendingRow{}
	var order []uuid.UUID
	for _, r := range rows {
		if _, ok := byChapter[r.chapter]; !ok {
			order = append(order, r.chapter)
		}
		byChapter[r.chapter] = append(byChapter[r.chapter], r)
	}
	for _, id := range order {
		err := p.insert(ctx, byChapter[id])
		if err != nil && db.IsForeignKeyViolation(err) {
			p.h.log.Info("collab: dropping updates of a deleted chapter", slog.String("chapter_id", id.String()), slog.Int("updates", len(byChapter[id])))
			p.h.bus.forget(ctx, id)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// due lists the documents to compact now: large tails at once, the others
// once they have been quiet for CompactIdle.
func (p *persister) due(now time.Time) []uuid.UUID {
	t := p.h.timing
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []uuid.UUID
	for id, d := range p.debt {
		if d.rows >= t.CompactRows || d.bytes >= t.CompactBytes || now.Sub(d.lastChange) >= t.CompactIdle {
			ids = append(ids, id)
		}
	}
	return ids
}

// drain flushes everything queued now (for an unloading room, a shutdown,
// tests).
func (p *persister) drain(ctx context.Context) error {
	return p.flush(ctx)
}

// compact folds the document's durable tail into its snapshot, under the
// document's advisory lock (whoever holds it does the same merge; the
// others skip), then trims the stream behind the new snapshot, keeping
// StreamGrace of it for readers that lag.
func (p *persister) compact(ctx context.Context, id uuid.UUID) error {
	p.mu.Lock()
	delete(p.debt, id)
	p.mu.Unlock()
	var through streamID
	folded := false
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		locked, err := q.TryLockDocument(ctx, id.String())
		if err != nil {
			return fmt.Errorf("lock document: %w", err)
		}
		if !locked {
			return nil // another compaction of this document is running
		}
		snapshot, from, err := loadSnapshot(ctx, q, id)
		if err != nil {
			return err
		}
		rows, err := q.ListUpdatesAfter(ctx, store.ListUpdatesAfterParams{ChapterID: id, AfterMs: int64(from.ms), AfterSeq: int64(from.seq)})
		if err != nil {
			return fmt.Errorf("read durable tail: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		inputs := make([][]byte, 0, len(rows)+1)
		inputs = append(inputs, snapshot)
		for _, r := range rows {
			inputs = append(inputs, r.Update)
		}
		merged, err := p.h.codec.MergeUpdates(inputs)
		if err != nil {
			return fmt.Errorf("merge %d updates into the snapshot: %w", len(rows), err)
		}
		last := rows[len(rows)-1]
		through = streamID{uint64(last.StreamMs), uint64(last.StreamSeq)}
		if err := q.SaveSnapshot(ctx, store.SaveSnapshotParams{
			ChapterID: id, Snapshot: merged, SnapshotMs: last.StreamMs, SnapshotSeq: last.StreamSeq,
		}); err != nil {
			return fmt.Errorf("save snapshot: %w", err)
		}
		if _, err := q.DeleteUpdatesThrough(ctx, store.DeleteUpdatesThroughParams{
			ChapterID: id, ThroughMs: last.StreamMs, ThroughSeq: last.StreamSeq,
		}); err != nil {
			return fmt.Errorf("delete folded updates: %w", err)
		}
		folded = true
		return nil
	})
	if err != nil {
		if db.IsForeignKeyViolation(err) {
			return nil // the chapter was purged meanwhile
		}
		return err
	}
	if !folded {
		return nil
	}
	p.h.stats.compactions.Add(1)
	p.h.renders.compacted(id)
	p.h.bus.clean(ctx, id, through)
	grace := uint64(p.h.timing.StreamGrace.Milliseconds())
	if through.ms > grace {
		if err := p.h.bus.trim(ctx, id, streamID{ms: through.ms - grace}); err != nil {
			return fmt.Errorf("trim stream: %w", err)
		}
	}
	return nil
}

// loadSnapshot returns the document's snapshot and the stream id it
// reaches, or the empty document.
func loadSnapshot(ctx context.Context, q *store.Queries, id uuid.UUID) ([]byte, streamID, error) {
	doc, err := q.GetDocument(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return emptyUpdate, streamID{}, nil
	}
	if err != nil {
		return nil, streamID{}, fmt.Errorf("read snapshot: %w", err)
	}
	return doc.Snapshot, streamID{uint64(doc.SnapshotMs), uint64(doc.SnapshotSeq)}, nil
}

// owe records that the document still needs a compaction (one failed), due
// CompactIdle after now.
func (p *persister) owe(id uuid.UUID, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.debt[id] == nil {
		p.debt[id] = &docDebt{rows: 1, lastChange: now}
	}
}

// markDue has the document compacted at the next round (its room unloaded).
func (p *persister) markDue(id uuid.UUID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.debt[id]; d != nil {
		d.lastChange = time.Time{}
	}
}
