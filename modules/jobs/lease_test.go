package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/testkit"
)

// secondWorker runs another jobs module (another process, as far as the
// jobs are concerned) on e's database until the test ends.
func (e *env) secondWorker(transport jobs.Transport, lease time.Duration, kinds ...module.JobKind) {
	e.t.Helper()
	mod := jobs.New(jobs.Deps{Log: testkit.Logger(e.t), DB: e.pool, Cursors: page.NewCodec([]byte("test-secret-test-secret-test-secret")),
		Transport: transport, Lease: lease, RetryBase: 50 * time.Millisecond})
	mod.Register(kinds...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mod.Work(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("second worker: %v", err)
		}
	})
}

// A job delivered twice while it runs (River hands out a job that runs
// longer than its rescue window again, here to another worker; SQS may
// deliver a message twice) runs once: the lease, renewed while it runs,
// keeps the second delivery from running it. One attempt, never two at once.
func TestLeaseKeepsAJobToOneWorker(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport) {
		var running, most, runs atomic.Int32
		slow := module.JobKind{Name: "test.slow", Run: func(ctx context.Context, j *module.Job) (any, error) {
			n := running.Add(1)
			defer running.Add(-1)
			runs.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			select {
			case <-time.After(5 * time.Second): // beyond the 3 s lease and the 2 s rescue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return "done", nil
		}}
		e := newEnv(t, options{transport: tr, kinds: []module.JobKind{slow}})
		e.work()
		ref := e.enqueue("test.slow", nil, "")
		e.await(ref.ID, "running")
		if f, ok := fakes.Load(t); ok {
			// SQS: the same job's id in a second message.
			f := f.(*sqsFake)
			if _, err := f.client.SendMessage(context.Background(), &sqs.SendMessageInput{
				QueueUrl: &f.queue, MessageBody: aws.String(`{"job_id":"` + ref.ID.String() + `"}`),
			}); err != nil {
				t.Fatal(err)
			}
		} else {
			// River: a second delivery of the same job (as River's rescue
			// of a long-running job makes), for another worker on the same
			// tables.
			e.secondWorker(riverTransport(t, e.pool, 4), 3*time.Second, slow)
			c, err := river.NewClient(riverpgxv5.New(e.pool), &river.Config{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Insert(context.Background(), duplicateDelivery{JobID: ref.ID}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if j := e.await(ref.ID, "succeeded"); j.Attempts != 1 {
			t.Fatalf("job: %+v", j)
		}
		if most.Load() != 1 || runs.Load() != 1 {
			t.Fatalf("%d runs, %d at once; want one", runs.Load(), most.Load())
		}
	})
}

// Periodic kinds: however many workers run, one run per period.
func TestScheduleRunsOncePerPeriod(t *testing.T) {
	t.Parallel()
	var ran atomic.Int32
	daily := module.JobKind{Name: "test.daily", Every: 24 * time.Hour, Run: func(context.Context, *module.Job) (any, error) {
		ran.Add(1)
		return nil, nil
	}}
	e := newEnv(t, options{kinds: []module.JobKind{daily}})
	for range 3 {
		e.secondWorker(riverTransport(t, e.pool, 2), 3*time.Second, daily)
	}
	e.work()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for ran.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // time for a second run, were there one
	if ran.Load() != 1 {
		t.Fatalf("the daily job ran %d times", ran.Load())
	}
	var jobsOfKind int
	var inADay bool
	if err := e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM jobs WHERE kind = 'test.daily'),
		(SELECT next_run_at BETWEEN now() + interval '23 hours' AND now() + interval '25 hours' FROM job_schedules WHERE kind = 'test.daily')`).Scan(&jobsOfKind, &inADay); err != nil {
		t.Fatal(err)
	}
	if jobsOfKind != 1 || !inADay {
		t.Fatalf("%d jobs of the daily kind, next run in a day: %v", jobsOfKind, inADay)
	}
}

// duplicateDelivery is a River job naming one of our jobs, as the River
// transport inserts them.
type duplicateDelivery struct {
	JobID uuid.UUID `json:"job_id"`
}

func (duplicateDelivery) Kind() string { return "thebrain.job" }
