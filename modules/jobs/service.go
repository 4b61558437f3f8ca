package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
)

// Defaults of Deps.
const (
	DefaultLease     = 30 * time.Second
	DefaultRetryBase = 5 * time.Second
)

// service holds the rules of jobs: enqueueing, the users' view (get, list,
// cancel) and the runner that attempts jobs.
type service struct {
	log       *slog.Logger
	pool      *pgxpool.Pool
	q         *store.Queries
	cursors   *page.Codec
	transport Transport
	kinds     map[string]module.JobKind
	lease     time.Duration
	retryBase time.Duration
	now       func() time.Time
	// owner names this process's attempts in lease_owner.
	owner string
	// claims and finishes write the claims and outcomes of attempts that
	// start or end at about the same time together.
	claims   *batcher[uuid.UUID, claimed]
	finishes *batcher[outcomeRow, bool]
}

func newService(d Deps) *service {
	s := &service{
		log: d.Log, pool: d.DB, q: store.New(d.DB), cursors: d.Cursors, transport: d.Transport,
		kinds: map[string]module.JobKind{}, lease: d.Lease, retryBase: d.RetryBase, now: d.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if s.retryBase <= 0 {
		s.retryBase = DefaultRetryBase
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.claims = &batcher[uuid.UUID, claimed]{write: s.claimJobs}
	s.finishes = &batcher[outcomeRow, bool]{write: s.finishJobs}
	s.register([]module.JobKind{s.purgeJob()})
	host, _ := os.Hostname()
	s.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])
	return s
}

func (s *service) register(kinds []module.JobKind) {
	for _, k := range kinds {
		if k.Name == "" || k.Run == nil {
			panic(fmt.Sprintf("jobs: kind %q has no name or no Run", k.Name))
		}
		if _, dup := s.kinds[k.Name]; dup {
			panic(fmt.Sprintf("jobs: kind %q is registered twice", k.Name))
		}
		s.kinds[k.Name] = k
	}
}

// purgeJob deletes finished jobs older than FinishedRetentionDays, daily.
func (s *service) purgeJob() module.JobKind {
	return module.JobKind{
		Name: "jobs.purge_finished", Every: 24 * time.Hour, Timeout: 30 * time.Minute,
		Run: func(ctx context.Context, _ *module.Job) (any, error) {
			n, err := db.PurgeInBatches(ctx, FinishedRetentionDays*24*time.Hour, func(ctx context.Context, secs float64, batch int32) (int64, error) {
				return s.q.PurgeFinishedJobs(ctx, store.PurgeFinishedJobsParams{OlderThanSecs: secs, Batch: batch})
			})
			return map[string]int64{"purged": n}, err
		},
	}
}
