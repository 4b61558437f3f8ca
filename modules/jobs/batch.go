package jobs

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
)

// maxBatch caps the calls one statement of a batcher writes.
const maxBatch = 100

// batcher writes calls that come at about the same time in one statement:
// a call finding none under way writes at once, with whatever else is
// waiting; calls coming meanwhile wait, and the first of them then writes
// them all. An idle worker waits for nothing; a busy one writes a
// statement (and commits) per batch rather than per job. Each call returns
// only once its own input is written.
type batcher[In, Out any] struct {
	// write returns one output per input, in order.
	write func(ctx context.Context, in []In) ([]Out, error)

	mu      sync.Mutex
	pending []*batchCall[In, Out]
	busy    bool // a call is writing; pending ones wait for it
}

type batchCall[In, Out any] struct {
	in    In
	out   Out
	err   error
	lead  bool          // set before ready closes: this call writes the next batch
	ready chan struct{} // closed when out and err are set, or lead
}

// do writes in, with the calls of the same moment, and returns its output.
// The statement runs under the context of the call that writes it.
func (b *batcher[In, Out]) do(ctx context.Context, in In) (Out, error) {
	c := &batchCall[In, Out]{in: in, ready: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	lead := !b.busy // when no call is busy, none waits: c is the first
	b.busy = true
	b.mu.Unlock()
	if !lead {
		<-c.ready
		if !c.lead {
			return c.out, c.err
		}
	}

	b.mu.Lock()
	n := min(len(b.pending), maxBatch)
	batch := b.pending[:n:n] // c is first: the others wait for ready
	b.pending = b.pending[n:]
	b.mu.Unlock()

	b.writeBatch(ctx, batch)
	for _, x := range batch[1:] {
		close(x.ready)
	}

	b.mu.Lock()
	if len(b.pending) > 0 {
		next := b.pending[0]
		next.lead = true
		close(next.ready)
	} else {
		b.busy = false
	}
	b.mu.Unlock()
	return c.out, c.err
}

// writeBatch sets the output or error of every call of batch.
func (b *batcher[In, Out]) writeBatch(ctx context.Context, batch []*batchCall[In, Out]) {
	ins := make([]In, len(batch))
	for i, x := range batch {
		ins[i] = x.in
	}
	outs, err := b.write(ctx, ins)
	if err != nil && len(batch) > 1 && ctx.Err() == nil {
		// One bad input fails the statement for all (a result PostgreSQL
		// refuses, say): each is written alone, so that it fails alone.
		for _, x := range batch {
			b.writeBatch(ctx, []*batchCall[In, Out]{x})
		}
		return
	}
	for i, x := range batch {
		if err == nil {
			x.out = outs[i]
		}
		x.err = err
	}
}

// claimed is the answer to a claim: the job's row when the attempt holds it.
type claimed struct {
	job store.Job
	ok  bool
}

// claimJobs claims the jobs of a batch of deliveries. A job delivered twice in
// one batch is claimed by the first delivery only.
func (s *service) claimJobs(ctx context.Context, ids []uuid.UUID) ([]claimed, error) {
	rows, err := s.q.ClaimJobs(ctx, store.ClaimJobsParams{Owner: s.owner, LeaseSecs: s.lease.Seconds(), Ids: ids})
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]store.Job, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]claimed, len(ids))
	for i, id := range ids {
		if r, ok := byID[id]; ok {
			out[i] = claimed{job: r, ok: true}
			delete(byID, id)
		}
	}
	return out, nil
}

// outcomeRow is the outcome of an attempt, as FinishJobs records it.
type outcomeRow struct {
	id         uuid.UUID
	status     string
	result, gz []byte
	errText    string // "" for none
}

// finishJobs records the outcomes of a batch of attempts; each answer says whether
// the row was still the attempt's and is recorded.
func (s *service) finishJobs(ctx context.Context, rows []outcomeRow) ([]bool, error) {
	p := store.FinishJobsParams{
		Owner: s.owner, Ids: make([]uuid.UUID, len(rows)), Statuses: make([]string, len(rows)),
		Results: make([][]byte, len(rows)), ResultsGz: make([][]byte, len(rows)), Errors: make([]string, len(rows)),
	}
	for i, r := range rows {
		p.Ids[i], p.Statuses[i], p.Results[i], p.ResultsGz[i], p.Errors[i] = r.id, r.status, r.result, r.gz, r.errText
	}
	ids, err := s.q.FinishJobs(ctx, p)
	if err != nil {
		return nil, err
	}
	recorded := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		recorded[id] = true
	}
	out := make([]bool, len(rows))
	for i, r := range rows {
		out[i] = recorded[r.id]
	}
	return out, nil
}
