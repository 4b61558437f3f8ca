package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

func fakeOf(t *testing.T) *sqsFake {
	f, ok := fakes.Load(t)
	if !ok {
		t.Fatal("no SQS fake for this test")
	}
	return f.(*sqsFake)
}

// A job that fails for good leaves its message to the dead-letter queue
// (after the queue's third receive), and its row says failed.
func TestSQSFailedJobGoesToTheDeadLetterQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{transport: sqsTransport, kinds: []module.JobKind{
		{Name: "test.fail", Run: func(context.Context, *module.Job) (any, error) { return nil, errBoom }},
		{Name: "test.permanent", Run: func(context.Context, *module.Job) (any, error) {
			return nil, module.PermanentJobError(errors.New("cannot work"))
		}},
	}})
	f := fakeOf(t)
	e.work()
	fail := e.enqueue("test.fail", nil, "")
	perm := e.enqueue("test.permanent", nil, "")
	if j := e.await(fail.ID, "failed"); j.Attempts != 3 {
		t.Fatalf("failed job: %+v", j)
	}
	if j := e.await(perm.ID, "failed"); j.Attempts != 1 {
		t.Fatalf("permanent failure: %+v", j)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		dead := strings.Join(f.Bodies("jobs-dlq"), " ")
		if strings.Contains(dead, fail.ID.String()) && strings.Contains(dead, perm.ID.String()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead-letter queue holds %q; want both failed jobs", dead)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// No message of theirs stays behind in the jobs queue. A second send of
	// the same job (the relay and the sweep may both send a row before
	// either is recorded) can still be in flight here: the worker deletes it
	// once it sees the job is over. (The worker's own periodic jobs may be
	// passing through the queue.)
	deadline = time.Now().Add(20 * time.Second)
	for {
		left := strings.Join(f.Bodies("jobs"), " ")
		if !strings.Contains(left, fail.ID.String()) && !strings.Contains(left, perm.ID.String()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the jobs queue still holds a failed job's message: %s", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SQS down when the caller commits: the job is kept in the outbox (its row)
// and the sweep sends it once SQS is back. A rolled-back write sends
// nothing.
func TestSQSDownAtCommit(t *testing.T) {
	t.Parallel()
	var ran atomic.Int32
	e := newEnv(t, options{transport: sqsTransport, kinds: []module.JobKind{{Name: "test.count", Run: func(context.Context, *module.Job) (any, error) {
		ran.Add(1)
		return "ok", nil
	}}}})
	f := fakeOf(t)
	f.SetDown(true)
	e.work()
	ref := e.enqueue("test.count", nil, "")
	_ = db.InTx(context.Background(), e.pool, func(tx pgx.Tx) error {
		if _, err := e.mod.Enqueue(context.Background(), tx, module.JobRequest{Kind: "test.count", OwnerID: e.user.ID}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	// The relay and the sweeps try while SQS is down (the worker's own
	// periodic jobs try too: wait for a few attempts).
	for deadline := time.Now().Add(10 * time.Second); f.Calls("SendMessageBatch") < 3 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	var unsent int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE sent_at IS NULL AND kind = 'test.count'`).Scan(&unsent); err != nil || unsent != 1 {
		t.Fatalf("%d unsent jobs (%v), want the committed one", unsent, err)
	}
	if f.Calls("SendMessageBatch") == 0 {
		t.Fatal("nothing tried to send while SQS was down")
	}
	f.SetDown(false)
	if j := e.await(ref.ID, "succeeded"); j.Attempts != 1 {
		t.Fatalf("job: %+v", j)
	}
	time.Sleep(300 * time.Millisecond)
	if ran.Load() != 1 || len(f.Bodies("jobs")) != 0 {
		t.Fatalf("handler ran %d times, queue holds %v", ran.Load(), f.Bodies("jobs"))
	}
	var sent int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE sent_at IS NOT NULL AND kind = 'test.count'`).Scan(&sent); err != nil || sent != 1 {
		t.Fatalf("%d sent jobs (%v)", sent, err)
	}
}
