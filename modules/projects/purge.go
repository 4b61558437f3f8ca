package projects

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

// PurgeTrash deletes, for good, every project that has been in the trash for
// longer than olderThan (use TrashRetention), with its chapters, versions,
// comments, notes and citations (ON DELETE CASCADE). It works in batches and
// returns how many projects it deleted. It is safe to run from several
// processes at once; `thebrain purge` runs it.
func PurgeTrash(ctx context.Context, pool *pgxpool.Pool, olderThan time.Duration) (int64, error) {
	q := store.New(pool)
	return db.PurgeInBatches(ctx, olderThan, func(ctx context.Context, secs float64, batch int32) (int64, error) {
		return q.PurgeTrashedProjects(ctx, store.PurgeTrashedProjectsParams{RetentionSecs: secs, Batch: batch})
	})
}

// purgeJob runs PurgeTrash daily as a periodic job (docs/jobs.md). The
// chapters and research purges run beside it; whichever runs first, a
// purged project takes its remaining chapters and notes with it.
func purgeJob(pool *pgxpool.Pool) module.JobKind {
	return module.JobKind{
		Name: "projects.purge_trash", Every: 24 * time.Hour, Timeout: 30 * time.Minute,
		Run: func(ctx context.Context, _ *module.Job) (any, error) {
			n, err := PurgeTrash(ctx, pool, TrashRetention)
			return map[string]int64{"purged": n}, err
		},
	}
}
