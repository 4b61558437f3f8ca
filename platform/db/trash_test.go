package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/thebrain/thebrain/platform/db"
)

func TestPurgeInBatches(t *testing.T) {
	t.Parallel()
	left := int64(2*db.PurgeBatch + 7)
	calls := 0
	n, err := db.PurgeInBatches(context.Background(), db.TrashRetention, func(_ context.Context, secs float64, batch int32) (int64, error) {
		calls++
		if secs != db.TrashRetention.Seconds() || batch != db.PurgeBatch {
			t.Fatalf("secs %v batch %d", secs, batch)
		}
		d := min(left, int64(batch))
		left -= d
		return d, nil
	})
	if err != nil || n != 2*db.PurgeBatch+7 || calls != 3 {
		t.Fatalf("n=%d calls=%d err=%v", n, calls, err)
	}
	boom := errors.New("boom")
	if _, err := db.PurgeInBatches(context.Background(), db.TrashRetention, func(context.Context, float64, int32) (int64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := db.PurgeInBatches(context.Background(), 0, nil); err == nil {
		t.Fatal("a zero age must be refused")
	}
}
