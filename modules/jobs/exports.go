package jobs

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/module"
)

// Enqueue implements module.Enqueuer: the job commits or rolls back with
// tx, the caller's transaction, and adds no transaction of its own.
func (m *Module) Enqueue(ctx context.Context, tx pgx.Tx, r module.JobRequest) (module.JobRef, error) {
	return m.svc.enqueue(ctx, tx, r)
}
