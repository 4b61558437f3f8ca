package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
)

func TestJobSucceedsWithResultAndProgress(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		e := newEnv(t, options{transport: tr, kinds: []module.JobKind{{
			Name: "test.echo",
			Run: func(ctx context.Context, j *module.Job) (any, error) {
				var in struct{ Words int }
				if err := json.Unmarshal(j.Payload, &in); err != nil {
					return nil, module.PermanentJobError(err)
				}
				if err := j.Progress(ctx, 50, "halfway"); err != nil {
					return nil, err
				}
				return map[string]any{"words": in.Words * 2, "attempt": j.Attempt, "owner": j.OwnerID}, nil
			},
		}}})
		e.work()
		ref := e.enqueue("test.echo", map[string]int{"Words": 21}, "")
		j := e.await(ref.ID, "succeeded")
		var res struct {
			Words   int    `json:"words"`
			Attempt int    `json:"attempt"`
			Owner   string `json:"owner"`
		}
		if err := json.Unmarshal(j.Result, &res); err != nil || res.Words != 42 || res.Attempt != 1 || res.Owner != e.user.ID.String() {
			t.Fatalf("result %s (%v)", j.Result, err)
		}
		if j.Attempts != 1 || j.Progress != 100 || j.ProgressMessage != "halfway" || j.Error != nil {
			t.Fatalf("job %+v", j)
		}
	})
}

// Failures are retried: three attempts in all, then failed with the last
// error; a panic is a failed attempt and the worker keeps running.
func TestFailuresAreRetriedThreeTimes(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		var flaky atomic.Int32
		e := newEnv(t, options{transport: tr, kinds: []module.JobKind{
			{Name: "test.fail", Run: func(context.Context, *module.Job) (any, error) { return nil, errBoom }},
			{Name: "test.panic", Run: func(context.Context, *module.Job) (any, error) { panic("the handler fell over") }},
			{Name: "test.flaky", Run: func(context.Context, *module.Job) (any, error) {
				if flaky.Add(1) < 3 {
					return nil, errors.New("not yet")
				}
				return "third time lucky", nil
			}},
			{Name: "test.permanent", Run: func(context.Context, *module.Job) (any, error) {
				return nil, module.PermanentJobError(errors.New("the input cannot work"))
			}},
		}})
		e.work()
		fail, pnc, flk, perm := e.enqueue("test.fail", nil, ""), e.enqueue("test.panic", nil, ""), e.enqueue("test.flaky", nil, ""), e.enqueue("test.permanent", nil, "")

		if j := e.await(fail.ID, "failed"); j.Attempts != 3 || j.Error == nil || *j.Error != "boom" {
			t.Errorf("failing job: %+v", j)
		}
		if j := e.await(pnc.ID, "failed"); j.Attempts != 3 || j.Error == nil || !strings.Contains(*j.Error, "the handler fell over") || strings.Contains(*j.Error, "goroutine") {
			t.Errorf("panicking job: %+v", j)
		}
		if j := e.await(flk.ID, "succeeded"); j.Attempts != 3 || string(j.Result) != `"third time lucky"` {
			t.Errorf("flaky job: %+v", j)
		}
		if j := e.await(perm.ID, "failed"); j.Attempts != 1 {
			t.Errorf("permanent failure retried: %+v", j)
		}
	})
}

// A rolled-back transaction leaves no job and no delivery; a committed one
// runs.
func TestEnqueueFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		var ran atomic.Int32
		e := newEnv(t, options{transport: tr, kinds: []module.JobKind{{Name: "test.count", Run: func(context.Context, *module.Job) (any, error) {
			ran.Add(1)
			return nil, nil
		}}}})
		e.work()
		errRollback := errors.New("the caller's write failed")
		err := db.InTx(context.Background(), e.pool, func(tx pgx.Tx) error {
			if _, err := e.mod.Enqueue(context.Background(), tx, module.JobRequest{Kind: "test.count", OwnerID: e.user.ID}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		ok := e.enqueue("test.count", nil, "")
		e.await(ok.ID, "succeeded")
		time.Sleep(300 * time.Millisecond) // a delivery of the rolled-back job would have run by now
		var rows int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE kind = 'test.count'`).Scan(&rows); err != nil || rows != 1 {
			t.Fatalf("%d job rows (%v), want only the committed one", rows, err)
		}
		if ran.Load() != 1 {
			t.Fatalf("handler ran %d times, want 1", ran.Load())
		}
	})
}

// With a unique key, a second request while the first job is queued or
// running returns the first job; once it finished, a new one starts.
func TestUniqueKey(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		g := newGate()
		e := newEnv(t, options{transport: tr, kinds: []module.JobKind{{Name: "test.check", Run: func(ctx context.Context, j *module.Job) (any, error) {
			return nil, g.wait(ctx)
		}}}})
		e.work()
		first := e.enqueue("test.check", nil, "book-1")
		second := e.enqueue("test.check", nil, "book-1")
		other := e.enqueue("test.check", nil, "book-2")
		if first.Existing || !second.Existing || second.ID != first.ID || other.Existing || other.ID == first.ID {
			t.Fatalf("refs: %+v %+v %+v", first, second, other)
		}
		<-g.entered
		running := e.enqueue("test.check", nil, "book-1")
		if !running.Existing || running.ID != first.ID {
			t.Fatalf("while running: %+v", running)
		}
		g.release()
		e.await(first.ID, "succeeded")
		again := e.enqueue("test.check", nil, "book-1")
		if again.Existing || again.ID == first.ID {
			t.Fatalf("after it finished: %+v", again)
		}
	})
}

// Cancel: a queued job ends at once; a running one has its context
// cancelled and ends cancelled; a finished one cannot be.
func TestCancel(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		g := newGate()
		e := newEnv(t, options{transport: tr, concurrency: 1, kinds: []module.JobKind{{Name: "test.wait", Run: func(ctx context.Context, j *module.Job) (any, error) {
			return nil, g.wait(ctx)
		}}}})
		running := e.enqueue("test.wait", nil, "")
		e.work()
		<-g.entered
		queued := e.enqueue("test.wait", nil, "") // the one worker slot is busy

		resp := e.c.Send("POST", "/api/v1/jobs/"+queued.ID.String()+"/cancel", e.user.Token, nil)
		var j jobView
		resp.JSON(t, &j)
		if resp.StatusCode != 200 || j.Status != "cancelled" {
			t.Fatalf("cancel queued: %d %s", resp.StatusCode, resp.Body)
		}
		resp = e.c.Send("POST", "/api/v1/jobs/"+running.ID.String()+"/cancel", e.user.Token, nil)
		resp.JSON(t, &j)
		if resp.StatusCode != 200 || j.Status != "running" || !j.CancelRequested || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("cancel running: %d %s", resp.StatusCode, resp.Body)
		}
		if j := e.await(running.ID, "cancelled"); j.Attempts != 1 {
			t.Fatalf("cancelled job: %+v", j)
		}
		resp = e.c.Send("POST", "/api/v1/jobs/"+running.ID.String()+"/cancel", e.user.Token, nil)
		if resp.StatusCode != 409 {
			t.Fatalf("cancel finished: %d %s", resp.StatusCode, resp.Body)
		}
		g.release()
		time.Sleep(200 * time.Millisecond)
		if j := e.get(queued.ID); j.Status != "cancelled" || j.Attempts != 0 {
			t.Fatalf("the cancelled queued job ran: %+v", j)
		}
	})
}

// A kind's timeout ends an attempt; it counts as a failure.
func TestTimeout(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		e := newEnv(t, options{transport: tr, kinds: []module.JobKind{{Name: "test.slow", Timeout: 100 * time.Millisecond, Run: func(ctx context.Context, j *module.Job) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}}})
		e.work()
		ref := e.enqueue("test.slow", nil, "")
		j := e.await(ref.ID, "failed")
		if j.Attempts != 3 || j.Error == nil || *j.Error != fmt.Sprintf("timed out after %s", 100*time.Millisecond) {
			t.Fatalf("timed-out job: %+v", j)
		}
	})
}
