package jobs

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Transport tells workers when to look at a job row. Its implementations
// are NewRiver (PostgreSQL) and NewSQS; the row, not the transport, is the
// record of the job.
type Transport interface {
	// name is stored with every job: "postgres" or "sqs".
	name() string
	// enqueued makes the delivery of job id part of tx, the transaction
	// that inserted (or re-queued) its row.
	enqueued(ctx context.Context, tx pgx.Tx, id uuid.UUID) error
	// consume delivers jobs until ctx ends, as many at a time as the
	// transport's options allow; it returns once every delivery under way
	// has returned.
	consume(ctx context.Context, deliver deliverFunc) error
}

// deliverFunc attempts job id and says what the transport should do with
// the message that named it.
type deliverFunc func(ctx context.Context, id uuid.UUID) outcome

// outcome is what became of a delivery.
type outcome struct {
	// again > 0 (or retry): deliver the job again after this long.
	again time.Duration
	retry bool
	// dead: the job failed for good; a transport with a dead-letter queue
	// leaves the message to it.
	dead bool
}

// The outcomes.
var (
	done = outcome{}
	dead = outcome{dead: true}
)

func after(d time.Duration) outcome { return outcome{again: max(d, 0), retry: true} }
