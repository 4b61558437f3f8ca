package jobs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/testkit"
)

// The calls made while a batch is written wait and are written together
// next; every call gets its own output.
func TestBatcherGathersCallsOfAMoment(t *testing.T) {
	t.Parallel()
	const calls = 20
	first := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	b := &batcher[int, int]{write: func(_ context.Context, in []int) ([]int, error) {
		mu.Lock()
		sizes = append(sizes, len(in))
		n := len(sizes)
		mu.Unlock()
		if n == 1 {
			<-first // the others queue up meanwhile
		}
		out := make([]int, len(in))
		for i, v := range in {
			out[i] = v * 10
		}
		return out, nil
	}}
	var wg sync.WaitGroup
	results := make([]int, calls)
	wg.Go(func() { results[0], _ = b.do(context.Background(), 0) })
	waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(sizes) == 1 })
	for i := 1; i < calls; i++ {
		wg.Go(func() {
			var err error
			if results[i], err = b.do(context.Background(), i); err != nil {
				t.Error(err)
			}
		})
	}
	waitUntil(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == calls-1 })
	close(first)
	wg.Wait()
	for i, r := range results {
		if r != i*10 {
			t.Fatalf("call %d got %d, want %d", i, r, i*10)
		}
	}
	if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != calls-1 {
		t.Fatalf("batch sizes %v, want [1 %d]", sizes, calls-1)
	}
	if b.busy || len(b.pending) != 0 {
		t.Fatalf("batcher left busy=%v with %d pending", b.busy, len(b.pending))
	}
}

// An input that fails its batch's statement fails alone: the others are
// written one by one.
func TestBatcherIsolatesABadInput(t *testing.T) {
	t.Parallel()
	errBad := errors.New("refused")
	release := make(chan struct{})
	var once sync.Once
	b := &batcher[int, int]{write: func(_ context.Context, in []int) ([]int, error) {
		once.Do(func() { <-release })
		for _, v := range in {
			if v < 0 {
				return nil, errBad
			}
		}
		return in, nil
	}}
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = b.do(context.Background(), 100) }) // holds the first write
	waitUntil(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.busy })
	errs := make([]error, 5)
	outs := make([]int, 5)
	for i := range 5 {
		v := i + 1
		if i == 2 {
			v = -1
		}
		wg.Go(func() { outs[i], errs[i] = b.do(context.Background(), v) })
	}
	waitUntil(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == 5 })
	close(release)
	wg.Wait()
	for i := range 5 {
		switch {
		case i == 2 && !errors.Is(errs[i], errBad):
			t.Fatalf("bad input: err %v", errs[i])
		case i != 2 && (errs[i] != nil || outs[i] != i+1):
			t.Fatalf("input %d: %d, %v", i+1, outs[i], errs[i])
		}
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// A job delivered twice in one batch of claims is claimed once, and its
// outcome is recorded only while the attempt holds it.
func TestClaimAndFinishInBatches(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	tr, err := NewRiver(pool, RiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Deps{DB: pool, Transport: tr, Lease: 3 * time.Second})
	m.Register(module.JobKind{Name: "test.noop", Run: func(context.Context, *module.Job) (any, error) { return nil, nil }})
	ctx := context.Background()
	var a, b module.JobRef
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) (err error) {
		if a, err = m.Enqueue(ctx, tx, module.JobRequest{Kind: "test.noop"}); err != nil {
			return err
		}
		b, err = m.Enqueue(ctx, tx, module.JobRequest{Kind: "test.noop"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s := m.svc
	missing := uuid.Must(uuid.NewV7())
	got, err := s.claimJobs(ctx, []uuid.UUID{a.ID, missing, a.ID, b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].ok || got[1].ok || got[2].ok || !got[3].ok || got[0].job.ID != a.ID || got[3].job.ID != b.ID || got[0].job.Attempts != 1 {
		t.Fatalf("claimed %v %v %v %v: want a and b claimed once each", got[0].ok, got[1].ok, got[2].ok, got[3].ok)
	}
	if again, err := s.claimJobs(ctx, []uuid.UUID{a.ID}); err != nil || again[0].ok {
		t.Fatalf("a held job claimed again: %+v, %v", again, err)
	}
	rec, err := s.finishJobs(ctx, []outcomeRow{
		{id: a.ID, status: StatusSucceeded, result: []byte(`{"n":1}`)},
		{id: b.ID, status: StatusFailed, errText: "boom"},
		{id: missing, status: StatusSucceeded},
	})
	if err != nil || !rec[0] || !rec[1] || rec[2] {
		t.Fatalf("finished %v, %v: want a and b recorded", rec, err)
	}
	ja, _ := s.q.GetJob(ctx, a.ID)
	jb, _ := s.q.GetJob(ctx, b.ID)
	if ja.Status != StatusSucceeded || string(ja.Result) != `{"n": 1}` || ja.Error != nil || ja.Progress != 100 || ja.LeaseOwner != nil {
		t.Fatalf("a: %+v", ja)
	}
	if jb.Status != StatusFailed || jb.Result != nil || jb.Error == nil || *jb.Error != "boom" || jb.Progress != 0 {
		t.Fatalf("b: %+v", jb)
	}
	if rec, err := s.finishJobs(ctx, []outcomeRow{{id: a.ID, status: StatusFailed}}); err != nil || rec[0] {
		t.Fatalf("a finished job recorded again: %v, %v", rec, err)
	}
}
