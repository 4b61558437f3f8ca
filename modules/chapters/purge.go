package chapters

import (
	"context"
	"fmt"
	"time"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
)

// TrashRetention is how long a trashed chapter or comment can be restored;
// after that it only waits for PurgeTrash.
const TrashRetention = 30 * 24 * time.Hour

// purgeBatch bounds each DELETE so a large purge never holds many locks.
const purgeBatch = 500

// PurgeTrash deletes, for good, the chapters (with their versions and
// comments) and the comments that have been in the trash longer than
// olderThan. Whatever runs the projects purge calls it too; it is safe to
// run concurrently and repeatedly.
func (m *Module) PurgeTrash(ctx context.Context, olderThan time.Duration) (int64, error) {
	if olderThan <= 0 {
		return 0, fmt.Errorf("chapters: PurgeTrash needs a positive age, got %v", olderThan)
	}
	var total int64
	for _, purge := range []func(context.Context, store.PurgeTrashedChaptersParams) (int64, error){
		m.q.PurgeTrashedChapters,
		func(ctx context.Context, p store.PurgeTrashedChaptersParams) (int64, error) {
			return m.q.PurgeTrashedComments(ctx, store.PurgeTrashedCommentsParams(p))
		},
	} {
		for {
			n, err := purge(ctx, store.PurgeTrashedChaptersParams{RetentionSecs: olderThan.Seconds(), Batch: purgeBatch})
			if err != nil {
				return total, fmt.Errorf("purge trash: %w", err)
			}
			total += n
			if n < purgeBatch {
				break
			}
		}
	}
	return total, nil
}
