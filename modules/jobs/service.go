package jobs

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
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
	for _, k := range d.Kinds {
		if k.Name == "" || k.Run == nil {
			panic(fmt.Sprintf("jobs: kind %q has no name or no Run", k.Name))
		}
		if _, dup := s.kinds[k.Name]; dup {
			panic(fmt.Sprintf("jobs: kind %q is registered twice", k.Name))
		}
		s.kinds[k.Name] = k
	}
	host, _ := os.Hostname()
	s.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])
	return s
}
