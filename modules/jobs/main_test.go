package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/platform/awsfake"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is one test's world: a database, the jobs module on a transport,
// and a router serving its routes.
type env struct {
	t    *testing.T
	pool *pgxpool.Pool
	mod  *jobs.Module
	c    *testkit.Client
	user testkit.TestUser
}

type options struct {
	kinds       []module.JobKind
	transport   func(t *testing.T, pool *pgxpool.Pool, concurrency int) jobs.Transport
	concurrency int
	lease       time.Duration
}

func riverTransport(t *testing.T, pool *pgxpool.Pool, concurrency int) jobs.Transport {
	tr, err := jobs.NewRiver(pool, jobs.RiverOptions{Log: testkit.Logger(t), Concurrency: concurrency, RescueAfter: 2 * time.Second, ShutdownGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// sqsFake is the SQS queue of one test: a local server speaking the real
// protocol, a jobs queue and its dead-letter queue (maxReceiveCount 3).
type sqsFake struct {
	*awsfake.SQS
	client     *sqs.Client
	queue, dlq string
}

var fakes sync.Map // *testing.T → *sqsFake

func newSQSFake(t *testing.T) *sqsFake {
	t.Helper()
	f := awsfake.NewSQS()
	t.Cleanup(f.Close)
	c := sqs.New(sqs.Options{Region: awsfake.Region, BaseEndpoint: aws.String(f.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	ctx := context.Background()
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":"3"}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &sqsFake{SQS: f, client: c, queue: *q.QueueUrl, dlq: *dlq.QueueUrl}
}

func sqsTransport(t *testing.T, pool *pgxpool.Pool, concurrency int) jobs.Transport {
	f := newSQSFake(t)
	fakes.Store(t, f)
	tr, err := jobs.NewSQS(jobs.SQSOptions{Log: testkit.Logger(t), Client: f.client, QueueURL: f.queue, Pool: pool,
		Concurrency: concurrency, Visibility: 5 * time.Second, ShutdownGrace: 2 * time.Second, SweepEvery: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// eachTransport runs fn once per transport, as subtests.
func eachTransport(t *testing.T, fn func(t *testing.T, tr func(*testing.T, *pgxpool.Pool, int) jobs.Transport)) {
	for name, tr := range map[string]func(*testing.T, *pgxpool.Pool, int) jobs.Transport{"postgres": riverTransport, "sqs": sqsTransport} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, tr)
		})
	}
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	if o.transport == nil {
		o.transport = riverTransport
	}
	if o.concurrency == 0 {
		o.concurrency = 4
	}
	lease := o.lease
	if lease == 0 {
		lease = 3 * time.Second
	}
	mod := jobs.New(jobs.Deps{
		Log: testkit.Logger(t), DB: pool, Cursors: page.NewCodec([]byte("test-secret-test-secret-test-secret")),
		Transport: o.transport(t, pool, o.concurrency), Lease: lease, RetryBase: 50 * time.Millisecond,
	})
	mod.Register(o.kinds...)
	h := server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{mod}, Verifier: testkit.Verifier(t)})
	return &env{t: t, pool: pool, mod: mod, c: testkit.Server(t, h), user: authtest.User(t, pool, "author")}
}

// work runs the worker until the test ends.
func (e *env) work() {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.mod.Work(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("Work: %v", err)
		}
	})
}

// enqueue enqueues a job of kind for the test's user in its own
// transaction.
func (e *env) enqueue(kind string, payload any, unique string) module.JobRef {
	e.t.Helper()
	var ref module.JobRef
	err := db.InTx(context.Background(), e.pool, func(tx pgx.Tx) (err error) {
		ref, err = e.mod.Enqueue(context.Background(), tx, module.JobRequest{Kind: kind, OwnerID: e.user.ID, Payload: payload, UniqueKey: unique})
		return err
	})
	if err != nil {
		e.t.Fatalf("enqueue %s: %v", kind, err)
	}
	return ref
}

// jobView is a job as the API shows it.
type jobView struct {
	ID              uuid.UUID       `json:"id"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	Attempts        int             `json:"attempts"`
	Progress        int             `json:"progress"`
	ProgressMessage string          `json:"progress_message"`
	CancelRequested bool            `json:"cancel_requested"`
	Result          json.RawMessage `json:"result"`
	Error           *string         `json:"error"`
}

func (e *env) get(id uuid.UUID) jobView {
	e.t.Helper()
	resp := e.c.Get("/api/v1/jobs/"+id.String(), e.user.Token)
	testkit.WantStatus(e.t, resp, 200)
	var j jobView
	resp.JSON(e.t, &j)
	return j
}

// await polls the job until it reaches one of statuses.
func (e *env) await(id uuid.UUID, statuses ...string) jobView {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j := e.get(id)
		for _, s := range statuses {
			if j.Status == s {
				return j
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s still %s (attempts %d) after 30 s; want %v", id, j.Status, j.Attempts, statuses)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gate lets a test hold handlers until it opens them.
type gate struct {
	once    sync.Once
	open    chan struct{}
	entered chan struct{}
}

func newGate() *gate { return &gate{open: make(chan struct{}), entered: make(chan struct{}, 100)} }

func (g *gate) wait(ctx context.Context) error {
	g.entered <- struct{}{}
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

var errBoom = errors.New("boom")
