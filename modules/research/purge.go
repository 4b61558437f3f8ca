package research

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/blob"
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

// PurgeUploads deletes attachment uploads never confirmed within
// PendingUploadRetention, then the objects whose rows are gone (deleted,
// refused, unconfirmed, or purged with their note or project), once due.
// It returns how many objects it deleted. Safe to run concurrently and
// repeatedly: a batch is claimed with SKIP LOCKED, and deleting a missing
// object succeeds.
func PurgeUploads(ctx context.Context, pool *pgxpool.Pool, blobs blob.Store) (int64, error) {
	q := store.New(pool)
	_, err := db.PurgeInBatches(ctx, PendingUploadRetention, func(ctx context.Context, secs float64, batch int32) (int64, error) {
		return q.PurgeStaleUploads(ctx, store.PurgeStaleUploadsParams{RetentionSecs: secs, Batch: batch})
	})
	if err != nil {
		return 0, err
	}
	var total int64
	for {
		var keys []string
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			q := store.New(tx)
			var err error
			if keys, err = q.ClaimObjectDeletions(ctx, db.PurgeBatch); err != nil {
				return fmt.Errorf("claim object deletions: %w", err)
			}
			for _, k := range keys {
				if err := blobs.Delete(ctx, k); err != nil {
					return err
				}
			}
			return q.ForgetObjectDeletions(ctx, keys)
		})
		if err != nil {
			return total, fmt.Errorf("purge objects: %w", err)
		}
		total += int64(len(keys))
		if len(keys) < db.PurgeBatch {
			return total, nil
		}
	}
}

// purgeJob runs PurgeTrash and then PurgeUploads daily as a periodic job
// (docs/jobs.md). The objects of notes and projects purged by the other
// modules' jobs go in the next run.
func purgeJob(pool *pgxpool.Pool, blobs blob.Store) module.JobKind {
	return module.JobKind{
		Name: "research.purge_trash", Every: 24 * time.Hour, Timeout: 30 * time.Minute,
		Run: func(ctx context.Context, _ *module.Job) (any, error) {
			n, err := PurgeTrash(ctx, pool, TrashRetention)
			if err != nil || blobs == nil {
				return map[string]int64{"purged": n}, err
			}
			objects, err := PurgeUploads(ctx, pool, blobs)
			return map[string]int64{"purged": n, "objects": objects}, err
		},
	}
}
