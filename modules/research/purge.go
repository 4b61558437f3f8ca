package research

import (
	"context"
	"fmt"
	"time"

	"github.com/thebrain/thebrain/modules/research/internal/store"
)

// TrashRetention is how long a trashed note or citation can be restored;
// after that it only waits for PurgeTrash.
const TrashRetention = 30 * 24 * time.Hour

// purgeBatch bounds each DELETE so a large purge never holds many locks.
const purgeBatch = 500

// PurgeTrash deletes, for good, the notes and citations that have been in
// the trash longer than olderThan. Whatever runs the projects purge calls it
// too; it is safe to run concurrently and repeatedly.
func (m *Module) PurgeTrash(ctx context.Context, olderThan time.Duration) (int64, error) {
	if olderThan <= 0 {
		return 0, fmt.Errorf("research: PurgeTrash needs a positive age, got %v", olderThan)
	}
	var total int64
	for _, purge := range []func(context.Context, store.PurgeTrashedNotesParams) (int64, error){
		m.q.PurgeTrashedNotes,
		func(ctx context.Context, p store.PurgeTrashedNotesParams) (int64, error) {
			return m.q.PurgeTrashedCitations(ctx, store.PurgeTrashedCitationsParams(p))
		},
	} {
		for {
			n, err := purge(ctx, store.PurgeTrashedNotesParams{RetentionSecs: olderThan.Seconds(), Batch: purgeBatch})
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
