package projects_test

import (
	"context"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects"
)

// TestBookLockLetsChaptersIn: the row lock of a project write or member
// change (FOR NO KEY UPDATE) serialises those, but a chapter inserted into
// the book meanwhile does not wait for it: its foreign key check's share
// lock does not conflict (FOR UPDATE's would).
func TestBookLockLetsChaptersIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user("owner")
	p := e.createProject(owner.Token, "Busy")
	ctx := context.Background()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := projects.LockBook(ctx, tx, owner.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	var xid string
	if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		chapterstest.Add(t, e.pool, p.ID, "Written meanwhile", 10)
	}()
	// Either the chapter is in, or its insert waits for the lock holder.
	for {
		select {
		case <-done:
			return
		default:
		}
		var waiting int
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks
			WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1`, xid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			_ = tx.Rollback(ctx) // let the insert finish before failing
			<-done
			t.Fatal("inserting a chapter waited for the book's row lock")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
