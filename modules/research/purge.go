package research

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

// TrashRetention is how long a trashed note or citation can be restored;
// after that it only waits for PurgeTrash.
const TrashRetention = db.TrashRetention

// PurgeTrash deletes, for good, the notes and citations that have been in
// the trash longer than olderThan. Whatever runs the projects purge calls it
// too; it is safe to run concurrently and repeatedly.
func PurgeTrash(ctx context.Context, pool *pgxpool.Pool, olderThan time.Duration) (int64, error) {
	q := store.New(pool)
	notes, err := db.PurgeInBatches(ctx, olderThan, func(ctx context.Context, secs float64, batch int32) (int64, error) {
		return q.PurgeTrashedNotes(ctx, store.PurgeTrashedNotesParams{RetentionSecs: secs, Batch: batch})
	})
	if err != nil {
		return notes, err
	}
	citations, err := db.PurgeInBatches(ctx, olderThan, func(ctx context.Context, secs float64, batch int32) (int64, error) {
		return q.PurgeTrashedCitations(ctx, store.PurgeTrashedCitationsParams{RetentionSecs: secs, Batch: batch})
	})
	return notes + citations, err
}

// purgeJob runs PurgeTrash daily as a periodic job (docs/jobs.md).
func purgeJob(pool *pgxpool.Pool) module.JobKind {
	return module.JobKind{
		Name: "research.purge_trash", Every: 24 * time.Hour, Timeout: 30 * time.Minute,
		Run: func(ctx context.Context, _ *module.Job) (any, error) {
			n, err := PurgeTrash(ctx, pool, TrashRetention)
			return map[string]int64{"purged": n}, err
		},
	}
}
