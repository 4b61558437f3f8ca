package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/platform/awsfake"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/testkit"
)

// System tests of `thebrain worker` and `thebrain jobs`: real processes
// (the test binary started again as the part "main", which runs main() with
// the command line in childArgsEnv and the job kind test.sleep added) on a
// test schema, on both transports. A worker's death is a real SIGKILL.

// childArgsEnv is the command line of the part "main", separated by spaces.
const childArgsEnv = "THEBRAIN_TEST_CHILD_ARGS"

// testLease is the jobs lease of every worker here: the shortest allowed,
// so that a killed worker's job is free again in seconds.
const testLease = 3 * time.Second

// runMainChild is main() with the test kind added; main exits on error
// (1, or 2 for a usage error).
func runMainChild() int {
	extraJobKinds = []module.JobKind{sleepKind()}
	os.Args = append([]string{"thebrain"}, strings.Fields(os.Getenv(childArgsEnv))...)
	main()
	return 0
}

// sleepPayload controls a test.sleep job.
type sleepPayload struct {
	// MS is how long each run sleeps, by run of the job (counted across
	// attempts and workers: the first run is MS[0]); the last repeats.
	MS []int `json:"ms"`
	// FailRuns: the first runs fail for good (a permanent error).
	FailRuns int `json:"fail_runs"`
}

// runsTable records every run of a test.sleep job: which attempt, in which
// process, from when to when, and how it ended (ended_at NULL: the process
// died during the run).
const runsTable = `CREATE TABLE test_job_runs (
    id         bigserial PRIMARY KEY,
    job_id     uuid NOT NULL,
    attempt    integer NOT NULL,
    pid        integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_at   timestamptz,
    outcome    text)`

var (
	runsPoolOnce sync.Once
	runsPool     *pgxpool.Pool
	runsPoolErr  error
)

// sleepKind is the job kind of these tests. It records its run, sleeps as
// long as its payload says (ending early when its context ends) and
// records how it ended.
func sleepKind() module.JobKind {
	return module.JobKind{
		Name: "test.sleep", Timeout: 5 * time.Minute,
		Run: func(ctx context.Context, j *module.Job) (any, error) {
			runsPoolOnce.Do(func() {
				runsPool, runsPoolErr = db.Open(context.Background(), os.Getenv("THEBRAIN_DATABASE_URL"), db.Options{MaxConns: 4})
			})
			if runsPoolErr != nil {
				return nil, runsPoolErr
			}
			var in sleepPayload
			if err := json.Unmarshal(j.Payload, &in); err != nil {
				return nil, module.PermanentJobError(err)
			}
			var runID, earlier int64
			// The RETURNING subquery sees the table as it was before the insert.
			if err := runsPool.QueryRow(ctx, `INSERT INTO test_job_runs (job_id, attempt, pid) VALUES ($1, $2, $3)
				RETURNING id, (SELECT count(*) FROM test_job_runs WHERE job_id = $1)`, j.ID, j.Attempt, os.Getpid()).Scan(&runID, &earlier); err != nil {
				return nil, err
			}
			var d time.Duration
			if len(in.MS) > 0 {
				d = time.Duration(in.MS[min(int(earlier), len(in.MS)-1)]) * time.Millisecond
			}
			outcome, err := "done", error(nil)
			select {
			case <-time.After(d):
				if int(earlier) < in.FailRuns {
					err = module.PermanentJobError(fmt.Errorf("refused: run %d", earlier+1))
					outcome = "refused"
				}
			case <-ctx.Done():
				err = context.Cause(ctx)
				outcome = "stopped: " + err.Error()
			}
			if _, rerr := runsPool.Exec(context.WithoutCancel(ctx), `UPDATE test_job_runs SET ended_at = clock_timestamp(), outcome = $2 WHERE id = $1`, runID, outcome); rerr != nil {
				return nil, rerr
			}
			if err != nil {
				return nil, err
			}
			return map[string]int{"pid": os.Getpid()}, nil
		},
	}
}

// jobsWorld is one test's backends for worker processes: a schema with
// the runs table, a Redis prefix, the transport's settings (and, for sqs, a
// fake SQS in this process), and a jobs module to enqueue with.
type jobsWorld struct {
	t         *testing.T
	transport string
	pool      *pgxpool.Pool
	env       map[string]string
	mod       *jobs.Module
	sqs       *awsfake.SQS // the sqs transport's queue
}

func newJobsWorld(t *testing.T, transport string) *jobsWorld {
	t.Helper()
	dbURL := testkit.PostgresURL(t)
	pool, err := db.Open(context.Background(), dbURL, db.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(context.Background(), runsTable); err != nil {
		t.Fatal(err)
	}
	_, keys := testkit.Redis(t)
	w := &jobsWorld{t: t, transport: transport, pool: pool, env: map[string]string{
		childEnv:                    "main",
		childArgsEnv:                "worker",
		"THEBRAIN_DATABASE_URL":     dbURL,
		"THEBRAIN_REDIS_URL":        testkit.RedisURL(t),
		"THEBRAIN_REDIS_PREFIX":     keys.Prefix(),
		"THEBRAIN_DATA_DIR":         t.TempDir(),
		"THEBRAIN_WORKER_ADDR":      "127.0.0.1:0",
		"THEBRAIN_LOG_FORMAT":       "json",
		"THEBRAIN_JOBS_LEASE":       testLease.String(),
		"THEBRAIN_JOBS_TRANSPORT":   transport,
		"THEBRAIN_SHUTDOWN_TIMEOUT": "10s",
	}}
	var tr jobs.Transport
	if transport == "sqs" {
		fake := awsfake.NewSQS()
		t.Cleanup(fake.Close)
		client := sqs.New(sqs.Options{Region: awsfake.Region, BaseEndpoint: aws.String(fake.URL()),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
		ctx := context.Background()
		if _, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs-dlq")}); err != nil {
			t.Fatal(err)
		}
		q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{
			"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":"3"}`,
		}})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{
			"THEBRAIN_SQS_QUEUE_URL": *q.QueueUrl, "THEBRAIN_SQS_ENDPOINT": fake.URL(),
			"AWS_REGION": awsfake.Region, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
			"AWS_EC2_METADATA_DISABLED": "true",
		} {
			w.env[k] = v
		}
		w.sqs = fake
		tr, err = jobs.NewSQS(jobs.SQSOptions{Client: client, QueueURL: *q.QueueUrl, Pool: pool})
		if err != nil {
			t.Fatal(err)
		}
	} else {
		if tr, err = jobs.NewRiver(pool, jobs.RiverOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Only Enqueue is used here: this module never works.
	w.mod = jobs.New(jobs.Deps{DB: pool, Transport: tr, Lease: testLease})
	w.mod.Register(sleepKind())
	return w
}

// eachJobsTransport runs fn once per transport, as parallel subtests.
func eachJobsTransport(t *testing.T, fn func(t *testing.T, w *jobsWorld)) {
	for _, tr := range []string{"postgres", "sqs"} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			fn(t, newJobsWorld(t, tr))
		})
	}
}

// workerProc is a `thebrain worker` child process.
type workerProc struct {
	*childProcess
	pid  int
	addr string // of /healthz and /readyz
}

// startWorker starts a worker process with the world's settings and extra,
// and waits until it works.
func (w *jobsWorld) startWorker(extra map[string]string) *workerProc {
	w.t.Helper()
	env := map[string]string{}
	for k, v := range w.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	p := startChild(w.t, env, io.Discard, nil)
	addr, _ := p.logLine(w.t, "health endpoints listening")["addr"].(string)
	p.logLine(w.t, "worker started")
	return &workerProc{childProcess: p, pid: p.cmd.Process.Pid, addr: addr}
}

// exit waits up to d for the process to end and returns its exit status
// (-1: killed by a signal); ok is false if it is still running.
func (p *childProcess) exit(d time.Duration) (code int, ok bool) {
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup, which waits too
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, true
		case errors.As(err, &ee):
			return ee.ExitCode(), true
		}
		return -2, true
	case <-time.After(d):
		return 0, false
	}
}

// enqueue commits a test.sleep job, as a request handler would.
func (w *jobsWorld) enqueue(p sleepPayload) uuid.UUID {
	w.t.Helper()
	var ref module.JobRef
	ctx := context.Background()
	err := db.InTx(ctx, w.pool, func(tx pgx.Tx) (err error) {
		ref, err = w.mod.Enqueue(ctx, tx, module.JobRequest{Kind: "test.sleep", Payload: p})
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return ref.ID
}

type jobRun struct {
	Attempt   int
	PID       int
	StartedAt time.Time
	EndedAt   *time.Time
	Outcome   *string
}

func (w *jobsWorld) runs(id uuid.UUID) []jobRun {
	w.t.Helper()
	rows, _ := w.pool.Query(context.Background(), `SELECT attempt, pid, started_at, ended_at, outcome FROM test_job_runs WHERE job_id = $1 ORDER BY id`, id)
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[jobRun])
	if err != nil {
		w.t.Fatal(err)
	}
	return runs
}

// awaitRuns waits up to d for the job to have n runs and returns them.
func (w *jobsWorld) awaitRuns(id uuid.UUID, n int, d time.Duration) []jobRun {
	w.t.Helper()
	var runs []jobRun
	if !waitFor(d, func() bool { runs = w.runs(id); return len(runs) >= n }) {
		w.t.Fatalf("job %s has %d runs after %s, want %d", id, len(runs), d, n)
	}
	return runs
}

type jobRow struct {
	Status     string
	Attempts   int
	Error      *string
	LeaseOwner *string
	LeaseUntil *time.Time
	Result     []byte
}

func (w *jobsWorld) job(id uuid.UUID) jobRow {
	w.t.Helper()
	rows, _ := w.pool.Query(context.Background(), `SELECT status, attempts, error, lease_owner, lease_until, result FROM jobs WHERE id = $1`, id)
	j, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[jobRow])
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

// awaitStatus waits up to d for the job to reach status.
func (w *jobsWorld) awaitStatus(id uuid.UUID, status string, d time.Duration) jobRow {
	w.t.Helper()
	var j jobRow
	if !waitFor(d, func() bool { j = w.job(id); return j.Status == status }) {
		w.t.Fatalf("job %s is %s (attempts %d, error %v) after %s, want %s", id, j.Status, j.Attempts, deref(j.Error), d, status)
	}
	return j
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// dbNow is the database's clock, which stamps leases and runs alike.
func (w *jobsWorld) dbNow() time.Time {
	w.t.Helper()
	var now time.Time
	if err := w.pool.QueryRow(context.Background(), `SELECT clock_timestamp()`).Scan(&now); err != nil {
		w.t.Fatal(err)
	}
	return now
}

// TestWorkerKilledMidJob: two worker processes; the one running a job is
// killed with SIGKILL in the middle of it. The job is not lost: the other
// worker runs attempt 2 once the dead one's lease has run out, never while
// the first attempt could still be running, and the job ends succeeded
// with attempts = 2. While both workers were alive the job ran once.
func TestWorkerKilledMidJob(t *testing.T) {
	t.Parallel()
	eachJobsTransport(t, func(t *testing.T, w *jobsWorld) {
		workers := map[int]*workerProc{}
		for range 2 {
			p := w.startWorker(nil)
			workers[p.pid] = p
		}
		id := w.enqueue(sleepPayload{MS: []int{int((10 * time.Minute).Milliseconds()), 200}})
		first := w.awaitRuns(id, 1, 30*time.Second)[0]
		victim := workers[first.PID]
		if victim == nil || first.Attempt != 1 {
			t.Fatalf("first run %+v is not attempt 1 in one of the workers %v", first, workers)
		}
		// Both alive for more than two leases (and River's rescue
		// threshold, twice the lease): the running attempt keeps its job.
		time.Sleep(2*testLease + time.Second)
		if runs := w.runs(id); len(runs) != 1 {
			t.Fatalf("while its worker was alive the job ran %d times: %+v", len(runs), runs)
		}
		if j := w.job(id); j.Status != "running" || j.Attempts != 1 {
			t.Fatalf("job before the kill: %+v", j)
		}

		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if code, ok := victim.exit(10 * time.Second); !ok || code != -1 {
			t.Fatalf("killed worker: exited %v, status %d", ok, code)
		}
		killedAt := w.dbNow()
		// A renewal the worker sent just before it died has landed by now;
		// this is the lease the dead attempt held last.
		time.Sleep(200 * time.Millisecond)
		lease := w.job(id).LeaseUntil
		if lease == nil {
			t.Fatal("the running job has no lease")
		}

		j := w.awaitStatus(id, "succeeded", 2*time.Minute)
		runs := w.runs(id)
		if j.Attempts != 2 || len(runs) != 2 {
			t.Fatalf("job %+v after %d runs (%+v), want succeeded with attempts 2 and 2 runs", j, len(runs), runs)
		}
		second := runs[1]
		switch {
		case runs[0].EndedAt != nil:
			t.Fatalf("the killed run ended (%v): the kill was not mid-job", *runs[0].Outcome)
		case second.Attempt != 2 || second.PID == first.PID || workers[second.PID] == nil:
			t.Fatalf("second run %+v: want attempt 2 in the other worker", second)
		case second.StartedAt.Before(*lease):
			t.Fatalf("attempt 2 started at %s, before the dead attempt's lease ran out at %s", second.StartedAt, *lease)
		case second.StartedAt.Before(killedAt):
			t.Fatalf("attempt 2 started at %s while attempt 1 ran (killed at %s)", second.StartedAt, killedAt)
		case second.EndedAt == nil || *second.Outcome != "done":
			t.Fatalf("second run %+v did not finish", second)
		}
		t.Logf("%s: attempt 2 started %s after the kill (%s after the lease ran out)", w.transport,
			second.StartedAt.Sub(killedAt).Round(time.Millisecond), second.StartedAt.Sub(*lease).Round(time.Millisecond))
	})
}

// TestWorkerSIGTERM: a worker told to stop with a job running lets it
// finish within its grace and exits 0; a job longer than the grace is
// given back uncounted (another worker's attempt is attempt 1 again) and
// the process still exits 0 promptly.
func TestWorkerSIGTERM(t *testing.T) {
	t.Parallel()
	eachJobsTransport(t, func(t *testing.T, w *jobsWorld) {
		t.Run("finishes", func(t *testing.T) {
			p := w.startWorker(map[string]string{"THEBRAIN_SHUTDOWN_TIMEOUT": "20s"})
			id := w.enqueue(sleepPayload{MS: []int{1500}})
			w.awaitRuns(id, 1, 30*time.Second)
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code, ok := p.exit(40 * time.Second); !ok || code != 0 {
				t.Fatalf("worker after SIGTERM: exited %v, status %d\n%s", ok, code, p.logs)
			}
			j := w.job(id)
			runs := w.runs(id)
			if j.Status != "succeeded" || j.Attempts != 1 || len(runs) != 1 || deref(runs[0].Outcome) != "done" {
				t.Fatalf("job %+v, runs %+v: want it finished by the stopping worker", j, runs)
			}
			p.logLine(t, "worker stopped")
		})
		t.Run("given back", func(t *testing.T) {
			const grace = 2 * time.Second
			p := w.startWorker(map[string]string{"THEBRAIN_SHUTDOWN_TIMEOUT": grace.String()})
			id := w.enqueue(sleepPayload{MS: []int{int((10 * time.Minute).Milliseconds()), 200}})
			w.awaitRuns(id, 1, 30*time.Second)
			start := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// The bound: the grace, then the give-back, then the pools close.
			if code, ok := p.exit(grace + 20*time.Second); !ok || code != 0 {
				t.Fatalf("worker after SIGTERM: exited %v, status %d\n%s", ok, code, p.logs)
			}
			took := time.Since(start)
			j := w.job(id)
			runs := w.runs(id)
			if j.Status != "queued" || j.Attempts != 0 || j.LeaseOwner != nil || len(runs) != 1 || !strings.HasPrefix(deref(runs[0].Outcome).(string), "stopped") {
				t.Fatalf("job %+v, runs %+v: want it given back uncounted", j, runs)
			}
			t.Logf("%s: stopped in %s with a grace of %s", w.transport, took.Round(time.Millisecond), grace)

			w.startWorker(nil)
			j = w.awaitStatus(id, "succeeded", 2*time.Minute)
			runs = w.runs(id)
			if j.Attempts != 1 || len(runs) != 2 || runs[1].Attempt != 1 {
				t.Fatalf("job %+v, runs %+v: want the given-back job done in attempt 1 by the next worker", j, runs)
			}
		})
	})
}

// TestWorkerHealthEndpoints: /healthz and /readyz answer on
// THEBRAIN_WORKER_ADDR, readiness checking the database and Redis.
func TestWorkerHealthEndpoints(t *testing.T) {
	t.Parallel()
	w := newJobsWorld(t, "postgres")
	p := w.startWorker(nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + p.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if path == "/readyz" && (!strings.Contains(string(body), `"database":"ok"`) || !strings.Contains(string(body), `"redis":"ok"`)) {
			t.Fatalf("%s: %s", path, body)
		}
	}
}

// mainResult is how a one-shot `thebrain` process ended.
type mainResult struct {
	code           int
	stdout, stderr string
}

// runMain runs `thebrain args…` in a child process with env (and none of
// this process's THEBRAIN_ settings).
func runMain(t *testing.T, env map[string]string, args ...string) mainResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "THEBRAIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		if k != childArgsEnv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, childEnv+"=main", childArgsEnv+"="+strings.Join(args, " "))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := mainResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("thebrain %v: %v", args, err)
	}
	return r
}

// TestWorkerNeedsSharedBackends: `thebrain worker` without the database or
// Redis URL exits 1 with a message naming both settings, and starts no
// embedded backend.
func TestWorkerNeedsSharedBackends(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"neither":     {},
		"no redis":    {"THEBRAIN_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
		"no database": {"THEBRAIN_REDIS_URL": "redis://127.0.0.1:1/0"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			env["THEBRAIN_DATA_DIR"] = dataDir
			r := runMain(t, env, "worker")
			if r.code != 1 || !strings.Contains(r.stderr, "thebrain: worker needs the PostgreSQL and Redis the API uses: set THEBRAIN_DATABASE_URL and THEBRAIN_REDIS_URL") {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if entries, _ := os.ReadDir(dataDir); len(entries) > 0 {
				t.Fatalf("the refused worker left %v in its data directory", entries)
			}
		})
	}
}

// TestPurgeScheduleTwoWorkers: two worker processes starting together on
// a fresh database enqueue each daily purge once between them (not once
// each), the runs succeed, and every schedule's next run is a day later.
func TestPurgeScheduleTwoWorkers(t *testing.T) {
	t.Parallel()
	w := newJobsWorld(t, "postgres")
	var started sync.WaitGroup
	for range 2 {
		started.Go(func() { w.startWorker(nil) })
	}
	started.Wait()
	kinds := []string{"chapters.purge_trash", "jobs.purge_finished", "projects.purge_trash", "research.purge_trash"}
	type count struct {
		Kind      string
		Jobs      int
		Succeeded int
	}
	counts := func() []count {
		rows, _ := w.pool.Query(context.Background(), `SELECT kind, count(*)::int, (count(*) FILTER (WHERE status = 'succeeded'))::int
			FROM jobs WHERE kind LIKE '%.purge_%' GROUP BY kind ORDER BY kind`)
		cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[count])
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	var cs []count
	done := func() bool {
		cs = counts()
		if len(cs) != len(kinds) {
			return false
		}
		for _, c := range cs {
			if c.Succeeded < 1 {
				return false
			}
		}
		return true
	}
	if !waitFor(time.Minute, done) {
		t.Fatalf("purge jobs after a minute: %+v", cs)
	}
	// Both workers look for due schedules as they start; give the slower
	// one ample time to have looked (it would enqueue at once).
	time.Sleep(3 * time.Second)
	cs = counts()
	for i, c := range cs {
		if c.Kind != kinds[i] || c.Jobs != 1 || c.Succeeded != 1 {
			t.Fatalf("purge jobs %+v: want one succeeded job of each of %v", cs, kinds)
		}
	}
	rows, _ := w.pool.Query(context.Background(), `SELECT kind, next_run_at - now() FROM job_schedules ORDER BY kind`)
	type sched struct {
		Kind string
		In   time.Duration
	}
	scheds, err := pgx.CollectRows(rows, pgx.RowToStructByPos[sched])
	if err != nil {
		t.Fatal(err)
	}
	if len(scheds) != len(kinds) {
		t.Fatalf("schedules %+v", scheds)
	}
	for i, s := range scheds {
		if s.Kind != kinds[i] || s.In < 23*time.Hour+55*time.Minute || s.In > 24*time.Hour {
			t.Fatalf("schedule %+v: want the next run of %s in about 24 h", s, kinds[i])
		}
	}
}

// TestJobsCommand: `thebrain jobs failed` lists a failed job; `thebrain
// jobs retry ID` queues it again and a worker then runs it; a job that has
// not failed cannot be retried (exit 1), and bad arguments exit 2.
func TestJobsCommand(t *testing.T) {
	t.Parallel()
	eachJobsTransport(t, func(t *testing.T, w *jobsWorld) {
		w.startWorker(nil)
		id := w.enqueue(sleepPayload{FailRuns: 1})
		w.awaitStatus(id, "failed", time.Minute)

		r := runMain(t, w.env, "jobs", "failed")
		if r.code != 0 {
			t.Fatalf("jobs failed: exit %d\n%s", r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") {
			t.Fatalf("jobs failed printed:\n%s", r.stdout)
		}
		if f := strings.Fields(lines[1]); len(f) < 6 || f[0] != id.String() || f[1] != "test.sleep" || f[2] != "1" ||
			!strings.HasSuffix(lines[1], "refused: run 1") {
			t.Fatalf("jobs failed row %q: want id, type, attempts, finished time and error", lines[1])
		}

		r = runMain(t, w.env, "jobs", "retry", id.String())
		if r.code != 0 || r.stdout != fmt.Sprintf("job %s queued again\n", id) {
			t.Fatalf("jobs retry: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
		}
		j := w.awaitStatus(id, "succeeded", time.Minute)
		if runs := w.runs(id); j.Attempts != 1 || len(runs) != 2 || deref(runs[1].Outcome) != "done" {
			t.Fatalf("retried job %+v, runs %+v: want a fresh attempt 1 that succeeds", j, runs)
		}
		if r := runMain(t, w.env, "jobs", "failed"); r.code != 0 || strings.Contains(r.stdout, id.String()) {
			t.Fatalf("jobs failed after the retry: exit %d\n%s", r.code, r.stdout)
		}
		if r := runMain(t, w.env, "jobs", "retry", id.String()); r.code != 1 || !strings.Contains(r.stderr, "is not a failed job") {
			t.Fatalf("retry of a succeeded job: exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{
			{"jobs"}, {"jobs", "frob"}, {"jobs", "retry"}, {"jobs", "retry", "not-a-uuid"},
			{"jobs", "retry", uuid.NewString(), uuid.NewString()}, {"jobs", "failed", "-limit", "0"},
			{"jobs", "failed", "-limit", "1001"}, {"jobs", "failed", "extra"}, {"jobs", "failed", "-frob"},
		} {
			r := runMain(t, map[string]string{"THEBRAIN_DATA_DIR": t.TempDir()}, args...)
			if r.code != 2 || !strings.Contains(r.stderr, "run 'thebrain help' for usage") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("thebrain %v: exit %d, stderr %q; want a one-line usage error and exit 2", args, r.code, r.stderr)
			}
		}
	})
}

// TestEnqueueWithWorkerProcess: a job enqueued in a transaction that rolls
// back never exists, for a worker process either (no row, no delivery, no
// run), while one committed beside it runs. On SQS, a job committed while
// SQS is down is sent by the worker's sweep once SQS is back, and runs.
func TestEnqueueWithWorkerProcess(t *testing.T) {
	t.Parallel()
	eachJobsTransport(t, func(t *testing.T, w *jobsWorld) {
		p := w.startWorker(nil)
		ctx := context.Background()
		var rolledBack uuid.UUID
		errRollback := errors.New("the request failed after enqueueing")
		err := db.InTx(ctx, w.pool, func(tx pgx.Tx) error {
			ref, err := w.mod.Enqueue(ctx, tx, module.JobRequest{Kind: "test.sleep", Payload: sleepPayload{}})
			rolledBack = ref.ID
			if err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) || rolledBack == uuid.Nil {
			t.Fatalf("enqueue in a failing transaction: %v (job %s)", err, rolledBack)
		}
		committed := w.enqueue(sleepPayload{})
		w.awaitStatus(committed, "succeeded", time.Minute)
		var rows, deliveries int
		if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE id = $1`, rolledBack).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if w.transport == "postgres" {
			if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'job_id' = $1`, rolledBack.String()).Scan(&deliveries); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, body := range w.sqs.Bodies("jobs") {
				if strings.Contains(body, rolledBack.String()) {
					deliveries++
				}
			}
		}
		if runs := w.runs(rolledBack); rows != 0 || deliveries != 0 || len(runs) != 0 {
			t.Fatalf("rolled-back job: %d rows, %d deliveries, %d runs; want none", rows, deliveries, len(runs))
		}
		if w.transport != "sqs" {
			return
		}

		w.sqs.SetDown(true)
		down := w.enqueue(sleepPayload{})
		// The relay tried and failed: the job waits in the outbox.
		if !waitFor(30*time.Second, func() bool { return strings.Contains(p.logs.String(), "job not sent; the sweep sends it later") }) {
			t.Fatalf("the relay did not try to send the job while SQS was down:\n%s", p.logs)
		}
		var sent *time.Time
		if err := w.pool.QueryRow(ctx, `SELECT sent_at FROM jobs WHERE id = $1`, down).Scan(&sent); err != nil || sent != nil {
			t.Fatalf("job committed while SQS was down: sent_at %v (%v)", sent, err)
		}
		w.sqs.SetDown(false)
		if j := w.awaitStatus(down, "succeeded", time.Minute); j.Attempts != 1 {
			t.Fatalf("job committed while SQS was down: %+v", j)
		}
	})
}
