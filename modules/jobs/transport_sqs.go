package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
)

// SQSOptions configure the SQS transport.
type SQSOptions struct {
	Log *slog.Logger
	// Client is an SQS client of aws-sdk-go-v2; QueueURL the jobs queue,
	// whose redrive policy sends a message to the dead-letter queue after
	// its third receive (maxReceiveCount 3).
	Client   *sqs.Client
	QueueURL string
	// Pool is the database the jobs table lives in: the outbox is read
	// from it, and the relay listens on it.
	Pool *pgxpool.Pool
	// Concurrency is how many jobs this process runs at once.
	Concurrency int
	// Visibility is how long a received message stays hidden; it is
	// extended while its job runs. Make it longer than the jobs' lease, so
	// that when a worker dies the lease has ended before the message comes
	// back. Zero means 45 s.
	Visibility time.Duration
	// ShutdownGrace is how long a stopping worker lets running jobs finish
	// before it cancels them and gives them back.
	ShutdownGrace time.Duration
	// SweepEvery is how often the outbox is swept for jobs the relay did
	// not send (SQS was down, or no relay was running); zero means 10 s.
	SweepEvery time.Duration
}

// sqsTransport delivers jobs through SQS. The job row is the outbox: it
// commits with the caller's write, with a NOTIFY that wakes the relay of
// every worker, which sends the job's id to the queue after the commit and
// marks the row sent. A sweep sends whatever the relay missed, so a
// committed job is never lost, even when SQS was down at commit time; a job
// sent twice runs once (the claim decides).
type sqsTransport struct {
	o      SQSOptions
	log    *slog.Logger
	q      *store.Queries
	schema string // the relay's schema, so several schemas share one database
	mu     sync.Mutex
}

// outboxChannel is the NOTIFY channel of the SQS outbox.
const outboxChannel = "thebrain_jobs_outbox"

// NewSQS returns the SQS transport.
func NewSQS(o SQSOptions) (Transport, error) {
	if o.Client == nil || o.QueueURL == "" || o.Pool == nil {
		return nil, errors.New("jobs: the SQS transport needs a client, a queue URL and the database")
	}
	o.Concurrency = max(o.Concurrency, 1)
	o.Visibility = cmpOr(o.Visibility, 45*time.Second)
	o.ShutdownGrace = cmpOr(o.ShutdownGrace, 10*time.Second)
	o.SweepEvery = cmpOr(o.SweepEvery, 10*time.Second)
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &sqsTransport{o: o, log: log.With(slog.String("component", "sqs")), q: store.New(o.Pool)}, nil
}

func (*sqsTransport) name() string { return "sqs" }

// enqueued wakes the relays when tx commits (NOTIFY is transactional).
func (t *sqsTransport) enqueued(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, current_schema() || ':' || $2::text)`, outboxChannel, id)
	return err
}

type sqsBody struct {
	JobID uuid.UUID `json:"job_id"`
}

// send puts job ids on the queue and marks them sent.
func (t *sqsTransport) send(ctx context.Context, ids []uuid.UUID) error {
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 10)]
		ids = ids[len(batch):]
		entries := make([]types.SendMessageBatchRequestEntry, len(batch))
		for i, id := range batch {
			body, _ := json.Marshal(sqsBody{JobID: id})
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(string(body))}
		}
		out, err := t.o.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &t.o.QueueURL, Entries: entries})
		if err != nil {
			return err
		}
		for _, ok := range out.Successful {
			var i int
			fmt.Sscan(aws.ToString(ok.Id), &i)
			if err := t.q.MarkJobSent(ctx, batch[i]); err != nil {
				return err
			}
		}
		if len(out.Failed) > 0 {
			return fmt.Errorf("SQS refused %d of %d messages (%s)", len(out.Failed), len(batch), aws.ToString(out.Failed[0].Code))
		}
	}
	return nil
}

// relay sends each job as its NOTIFY arrives, until ctx ends, reconnecting
// with backoff when the connection breaks.
func (t *sqsTransport) relay(ctx context.Context) {
	wait := time.Second
	for ctx.Err() == nil {
		err := t.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		t.log.WarnContext(ctx, "outbox relay interrupted", slog.String("error", err.Error()), slog.Duration("retry_in", wait))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

func (t *sqsTransport) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, t.o.Pool.Config().ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+outboxChannel); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&t.schema); err != nil {
		return err
	}
	// Whatever was committed while no relay listened goes out now.
	t.sweep(ctx, 0)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		schema, raw, ok := strings.Cut(n.Payload, ":")
		id, perr := uuid.Parse(raw)
		if !ok || perr != nil || schema != t.schema {
			continue
		}
		if err := t.send(ctx, []uuid.UUID{id}); err != nil && ctx.Err() == nil {
			t.log.WarnContext(ctx, "job not sent; the sweep sends it later", slog.String("job_id", id.String()), slog.String("error", err.Error()))
		}
	}
}

// sweep sends the jobs committed at least olderThan ago and still unsent:
// the periodic sweep leaves the relay a moment for fresh ones.
func (t *sqsTransport) sweep(ctx context.Context, olderThan time.Duration) {
	t.mu.Lock() // one sweep at a time per process
	defer t.mu.Unlock()
	for ctx.Err() == nil {
		ids, err := t.q.ListUnsentJobs(ctx, store.ListUnsentJobsParams{OlderThanSecs: olderThan.Seconds(), MaxRows: 100})
		if err != nil || len(ids) == 0 {
			return
		}
		if err := t.send(ctx, ids); err != nil {
			if ctx.Err() == nil {
				t.log.WarnContext(ctx, "outbox sweep failed", slog.Int("jobs", len(ids)), slog.String("error", err.Error()))
			}
			return
		}
	}
}

func (t *sqsTransport) consume(ctx context.Context, deliver deliverFunc) error {
	// Jobs under way keep running for the grace after ctx ends.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); t.relay(ctx) }()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(t.o.SweepEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				t.sweep(ctx, 2*time.Second)
			}
		}
	}()

	slots := make(chan struct{}, t.o.Concurrency)
	var running sync.WaitGroup
	wait := time.Second
	for ctx.Err() == nil {
		// Ask for as many messages as there are free slots.
		slots <- struct{}{}
		free := 1
		for free < 10 && len(slots) < cap(slots) {
			slots <- struct{}{}
			free++
		}
		out, err := t.o.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: &t.o.QueueURL, MaxNumberOfMessages: int32(free), WaitTimeSeconds: 20,
			VisibilityTimeout:           int32(t.o.Visibility / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		unused := free
		if err == nil {
			unused -= len(out.Messages)
			wait = time.Second
			for _, msg := range out.Messages {
				running.Add(1)
				go func() {
					defer running.Done()
					defer func() { <-slots }()
					t.handle(jobCtx, msg, deliver)
				}()
			}
		}
		for range unused {
			<-slots
		}
		if err != nil && ctx.Err() == nil {
			t.log.WarnContext(ctx, "receive from SQS failed", slog.String("error", err.Error()), slog.Duration("retry_in", wait))
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(wait*2, 30*time.Second)
		}
	}
	// Stopping: let running jobs finish within the grace, then cancel them
	// (they give their jobs back).
	finished := make(chan struct{})
	go func() { running.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(t.o.ShutdownGrace):
		cancelJobs()
		<-finished
	}
	wg.Wait()
	return nil
}

// handle delivers one message's job, keeping the message hidden while it
// runs, then deletes it, hides it until the retry, or leaves it to the
// dead-letter queue.
func (t *sqsTransport) handle(ctx context.Context, msg types.Message, deliver deliverFunc) {
	var body sqsBody
	if err := json.Unmarshal([]byte(aws.ToString(msg.Body)), &body); err != nil || body.JobID == uuid.Nil {
		// Not ours: it goes to the dead-letter queue after its receives.
		t.log.WarnContext(ctx, "message without a job id", slog.String("message_id", aws.ToString(msg.MessageId)))
		return
	}
	hidden, stop := context.WithCancel(ctx)
	extended := make(chan struct{})
	go func() {
		defer close(extended)
		tick := time.NewTicker(t.o.Visibility / 3)
		defer tick.Stop()
		for {
			select {
			case <-hidden.Done():
				return
			case <-tick.C:
				t.setVisibility(hidden, msg, t.o.Visibility)
			}
		}
	}()
	out := deliver(ctx, body.JobID)
	stop()
	<-extended
	rctx, cancel := record(ctx)
	defer cancel()
	switch {
	case out.retry:
		t.setVisibility(rctx, msg, out.again)
	case out.dead:
		// Seen again at once: after its last receive SQS moves it to the
		// dead-letter queue, where operators find the failed job's id.
		t.setVisibility(rctx, msg, 0)
	default:
		if _, err := t.o.Client.DeleteMessage(rctx, &sqs.DeleteMessageInput{QueueUrl: &t.o.QueueURL, ReceiptHandle: msg.ReceiptHandle}); err != nil {
			t.log.WarnContext(ctx, "message not deleted; its job is done and runs no more", slog.String("job_id", body.JobID.String()), slog.String("error", err.Error()))
		}
	}
}

func (t *sqsTransport) setVisibility(ctx context.Context, msg types.Message, d time.Duration) {
	secs := int32(min(max((d+time.Second-1)/time.Second, 0), 43200))
	if _, err := t.o.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: &t.o.QueueURL, ReceiptHandle: msg.ReceiptHandle, VisibilityTimeout: secs,
	}); err != nil && ctx.Err() == nil {
		t.log.WarnContext(ctx, "message visibility not changed", slog.String("message_id", aws.ToString(msg.MessageId)), slog.String("error", err.Error()))
	}
}
