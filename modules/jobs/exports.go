package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

// Enqueue implements module.Enqueuer: the job commits or rolls back with
// tx, the caller's transaction, and adds no transaction of its own.
func (m *Module) Enqueue(ctx context.Context, tx pgx.Tx, r module.JobRequest) (module.JobRef, error) {
	return m.svc.enqueue(ctx, tx, r)
}

// JobView returns one of ownerID's jobs as GET /api/v1/jobs/{id} shows
// it, so a module that starts a job can answer 202 with the job itself
// (the AI module's draft and consistency check). Another user's job is not
// found.
func (m *Module) JobView(ctx context.Context, ownerID, id uuid.UUID) (json.RawMessage, error) {
	j, err := m.svc.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	return json.Marshal(toJobResponse(j))
}

// Summary is a job as operators list it (no payload or result: they may
// hold an author's text).
type Summary struct {
	ID         uuid.UUID
	Kind       string
	OwnerID    *uuid.UUID
	ProjectID  *uuid.UUID
	Status     string
	Attempts   int32
	Error      string
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// ListByStatus returns the newest jobs of one status, for operators
// (`thebrain jobs failed`).
func (m *Module) ListByStatus(ctx context.Context, status string, limit int) ([]Summary, error) {
	rows, err := m.svc.q.ListJobsByStatus(ctx, store.ListJobsByStatusParams{Status: status, MaxRows: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = Summary{ID: r.ID, Kind: r.Kind, OwnerID: r.OwnerID, ProjectID: r.ProjectID, Status: r.Status,
			Attempts: r.Attempts, CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt}
		if r.Error != nil {
			out[i].Error = *r.Error
		}
	}
	return out, nil
}

// Retry gives a failed job a fresh set of attempts and a new delivery, in
// one transaction (`thebrain jobs retry`).
func (m *Module) Retry(ctx context.Context, id uuid.UUID) error {
	return db.InTx(ctx, m.svc.pool, func(tx pgx.Tx) error {
		j, err := store.New(tx).RetryFailedJob(ctx, id)
		if db.IsNoRows(err) {
			return fmt.Errorf("job %s is not a failed job", id)
		}
		if err != nil {
			return fmt.Errorf("retry job: %w", err)
		}
		return m.svc.transport.enqueued(ctx, tx, j.ID)
	})
}
