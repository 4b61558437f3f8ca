package module

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// JobProvider is implemented by modules that own kinds of background job.
// The worker runs them; the module never imports the jobs module.
type JobProvider interface {
	JobKinds() []JobKind
}

// JobKind is one kind of background job.
type JobKind struct {
	// Name is "<module>.<job>". It is stored with every job and shown to
	// clients as the job's type, so it never changes.
	Name string
	// Timeout bounds one attempt; zero means DefaultJobTimeout.
	Timeout time.Duration
	// Every, when set, makes the kind periodic: one run per period, by
	// whichever worker takes the schedule (never two). Periodic jobs are
	// system jobs: no owner, no payload.
	Every time.Duration
	// Run does the work. It must be idempotent: a job runs at least once,
	// and after a crash or a lost lease an attempt may repeat work an earlier
	// one did (never at the same time). It returns a JSON-encodable result
	// (nil for none), or an error: retried with backoff unless marked with
	// PermanentJobError, until the job's attempts are used up. ctx ends on
	// cancel, timeout or shutdown.
	Run func(ctx context.Context, j *Job) (result any, err error)
}

// DefaultJobTimeout bounds an attempt of a kind that sets no Timeout.
const DefaultJobTimeout = 5 * time.Minute

// MaxJobAttempts is how many times a job is tried in all.
const MaxJobAttempts = 3

// Job is one attempt at a job, as its handler sees it.
type Job struct {
	ID      uuid.UUID
	Kind    string
	Attempt int // 1 to MaxJobAttempts
	// OwnerID is who asked for it (uuid.Nil for system jobs); ProjectID the
	// book it concerns (uuid.Nil for none).
	OwnerID   uuid.UUID
	ProjectID uuid.UUID
	Payload   json.RawMessage
	// Progress records how far the job is (0 to 100) and what it is doing,
	// for clients polling it. It fails when the attempt no longer holds the
	// job (its lease was lost).
	Progress func(ctx context.Context, percent int, message string) error
}

// Enqueuer starts jobs. Modules declare it as their own consumer interface
// and the composition root wires the jobs module in.
type Enqueuer interface {
	// Enqueue records a job as part of tx, the caller's transaction: it
	// exists exactly when tx commits. With a UniqueKey, while a job of the
	// same kind and key is queued or running, that job is returned instead
	// (Existing) and no new one is made.
	Enqueue(ctx context.Context, tx pgx.Tx, r JobRequest) (JobRef, error)
}

// JobRequest asks for a job.
type JobRequest struct {
	Kind      string
	OwnerID   uuid.UUID
	ProjectID uuid.UUID // uuid.Nil for none
	// Payload is encoded as JSON; it may hold an author's text, so it is
	// never logged.
	Payload   any
	UniqueKey string
}

// JobRef names an enqueued job.
type JobRef struct {
	ID       uuid.UUID
	Status   string
	Existing bool
}

// permanent marks an error a retry cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// PermanentJobError marks err as one no retry can fix (bad input, a refusal
// by a provider): the job fails at once.
func PermanentJobError(err error) error { return permanent{err} }

// IsPermanentJobError reports whether err was marked by PermanentJobError.
func IsPermanentJobError(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
