// Package jobs runs background work and keeps the one record of every job
// that users see: what it is, whose it is, how far it got and how it ended.
//
// Tables: jobs, job_schedules (migration 000030), and River's tables when the
// transport is PostgreSQL. Other modules never import this package: they
// declare module.Enqueuer and offer module.JobKind through
// module.JobProvider, and the composition root wires them together.
//
// A job row commits with the caller's transaction (Enqueue). The transport
// only says when to look at a row: River on PostgreSQL (the default), or SQS
// on AWS, where the row is the outbox and the worker relays it to the queue
// after commit. Whatever delivers it, an attempt first takes the row's lease
// (ClaimJobs), so a job never runs twice at the same time; the lease is
// renewed while the handler runs and its end says when a crashed worker's
// job may be taken again. Every job gets module.MaxJobAttempts attempts with
// exponential backoff and jitter between them.
//
// Routes: GET /api/v1/jobs, GET /api/v1/jobs/{job_id},
// POST /api/v1/jobs/{job_id}/cancel; a job is visible to its owner only.
package jobs

import (
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
)

// Deps are the module's dependencies.
type Deps struct {
	Log     *slog.Logger
	DB      *pgxpool.Pool
	Cursors *page.Codec
	// Transport carries jobs to workers: NewRiver or NewSQS.
	Transport Transport
	// Lease is how long an attempt holds its job between renewals (renewed
	// every third of it); zero means DefaultLease.
	Lease time.Duration
	// RetryBase is the backoff before the second attempt (doubling after,
	// with jitter); zero means DefaultRetryBase.
	RetryBase time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Module is the jobs module.
type Module struct {
	svc *service
}

// New builds the module; Register then adds every module's job kinds.
func New(d Deps) *Module {
	return &Module{svc: newService(d)}
}

// Register adds job kinds (every module's JobKinds, from the composition
// root, before Work or the first Enqueue). The worker runs them; Enqueue
// refuses any other. A kind named twice or without Run panics: that is a
// wiring mistake, not a run-time condition.
func (m *Module) Register(kinds ...module.JobKind) {
	m.svc.register(kinds)
}

// Name implements module.Module.
func (m *Module) Name() string { return "jobs" }

// Routes implements module.Module. Every route needs a signed-in user and
// shows only that user's jobs.
func (m *Module) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.Get("/jobs", httpx.Handle(m.handleListJobs))
		r.Get("/jobs/{job_id}", httpx.Handle(m.handleGetJob))
		r.Post("/jobs/{job_id}/cancel", httpx.Handle(m.handleCancelJob))
	})
}
