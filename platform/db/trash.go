package db

import (
	"context"
	"fmt"
	"time"
)

// Soft delete is one convention across the product: a DELETE sets
// deleted_at, the row can be restored for TrashRetention, and a purge then
// deletes it for good.

// TrashRetention is how long a soft-deleted row can be restored.
const TrashRetention = 30 * 24 * time.Hour

// PurgeBatch bounds one purge DELETE, so a large purge never holds many
// locks or one long transaction.
const PurgeBatch = 500

// PurgeInBatches runs del (a DELETE … LIMIT batch of rows trashed longer
// than olderThan, returning how many it deleted) until a batch comes back
// short, and returns the total. Safe to run from several processes at once
// when del skips locked rows.
func PurgeInBatches(ctx context.Context, olderThan time.Duration, del func(ctx context.Context, olderThanSecs float64, batch int32) (int64, error)) (int64, error) {
	if olderThan <= 0 {
		return 0, fmt.Errorf("purge needs a positive age, got %v", olderThan)
	}
	var total int64
	for {
		n, err := del(ctx, olderThan.Seconds(), PurgeBatch)
		if err != nil {
			return total, fmt.Errorf("purge: %w", err)
		}
		total += n
		if n < PurgeBatch {
			return total, nil
		}
	}
}
