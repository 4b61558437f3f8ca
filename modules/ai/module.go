// Package ai is the writing assistant: it expands bullets into prose,
// rewrites a passage (rephrase, shorten, expand, senses, show-don't-tell,
// tone, grammar), summarises a text or a chapter, drafts a chapter beat by
// beat, and checks chapters for contradictions with the book's own
// material. Prompts are grounded in that material (research notes the
// passage mentions, the summaries of earlier chapters, the book's style
// sample), which comes from the modules that own it.
//
// Tables: ai_requests (every model call: tokens, latency, outcome, never
// text), ai_chapter_summaries, ai_style_samples (migrations 000032, 000033).
// It reads no other module's tables: roles come through the access Guard,
// chapters through Chapters (the chapters module), notes through Notes (the
// research module), and jobs start through Jobs (the jobs module). It
// offers two job kinds, ai.draft and ai.consistency.
//
// Models are reached through package provider: one chain of providers per
// operation, from configuration. With no provider configured every
// operation answers 503 naming the settings to set.
//
// Routes:
//
//	POST /api/v1/ai/expand, /rewrite, /summarize   JSON, or SSE with Accept: text/event-stream
//	POST /api/v1/ai/draft, /consistency            202 and the job
//	GET  /api/v1/ai/usage                          the caller's usage and allowance
//	GET, PUT /api/v1/projects/{project_id}/ai/style the book's style sample
//
// The operations name their book in the body (project_id), so the service
// checks the caller's role itself (editor or above; 404 for a book they
// cannot see). They are mounted beside /api/v1 rather than under it
// (RootRoutes): a stream outlives the generic request timeout, so each
// operation bounds its own time (docs/ai.md).
package ai

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/material"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/roles"
)

// Chapters is what the AI module needs from the chapters module;
// *chapters.Module satisfies it.
type Chapters interface {
	// ChapterText returns a live chapter of projectID with its text; ok is
	// false when there is none.
	ChapterText(ctx context.Context, projectID, chapterID uuid.UUID) (ch material.Chapter, ok bool, err error)
	// ChapterOutline returns the project's live chapters in reading order.
	ChapterOutline(ctx context.Context, projectID uuid.UUID) ([]material.ChapterRef, error)
}

// Notes is what the AI module needs from the research module;
// *research.Module satisfies it.
type Notes interface {
	// NotesMentioned returns up to limit live notes of projectID whose
	// title or a tag the text mentions, best first.
	NotesMentioned(ctx context.Context, projectID uuid.UUID, text string, limit int) ([]material.Note, error)
}

// Jobs starts the long operations; *jobs.Module satisfies it.
type Jobs interface {
	module.Enqueuer
	// JobView returns one of ownerID's jobs as GET /api/v1/jobs/{id} shows
	// it.
	JobView(ctx context.Context, ownerID, jobID uuid.UUID) (json.RawMessage, error)
}

// Operation names one of the five operations.
type Operation string

// The operations.
const (
	OpExpand      Operation = "expand"
	OpRewrite     Operation = "rewrite"
	OpSummarize   Operation = "summarize"
	OpDraft       Operation = "draft"
	OpConsistency Operation = "consistency"
)

// Operations lists them all.
var Operations = []Operation{OpExpand, OpRewrite, OpSummarize, OpDraft, OpConsistency}

// Budgets bound the time of the operations (zero fields take the
// defaults).
type Budgets struct {
	// Sync bounds a synchronous request (default 25 s: API Gateway cuts
	// at 29 s).
	Sync time.Duration
	// Stream bounds a streamed request in all (default 5 min).
	Stream time.Duration
	// JobCall bounds one model call of a job (default 2 min).
	JobCall time.Duration
	// KeepAlive is the interval of the SSE keep-alive comment (default
	// 15 s).
	KeepAlive time.Duration
}

// Limits are the per-user allowances (zero fields take the defaults).
type Limits struct {
	// HourlyRequests is the AI requests a user may make per hour (GCRA;
	// answers from the cache are free). Default 10.
	HourlyRequests int
	// DailyTokens is a user's token budget per UTC day, input and output
	// together. Default 200,000.
	DailyTokens int64
	// CacheTTL is how long an answer stays cached (default 1 h).
	CacheTTL time.Duration
}

// Deps are the module's dependencies.
type Deps struct {
	// Log receives one metadata line per model call (never text) and the
	// failures of the cache.
	Log   *slog.Logger
	DB    *pgxpool.Pool
	Redis *redis.Client
	Keys  redis.Keys
	// Guard checks the caller's role in the book a request names.
	Guard    *access.Guard
	Chapters Chapters
	Notes    Notes
	Jobs     Jobs
	// Chains is the provider chain of each operation; an operation without
	// one answers 503.
	Chains  map[Operation]*provider.Chain
	Budgets Budgets
	Limits  Limits
	// Buffered is true where responses are buffered whole (Lambda behind
	// API Gateway): a request for a stream is answered as one JSON body.
	Buffered bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Module is the AI module.
type Module struct {
	svc   *service
	guard *access.Guard
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{svc: newService(d), guard: d.Guard}
}

// Name implements module.Module.
func (m *Module) Name() string { return "ai" }

// JobKinds implements module.JobProvider: the draft and the consistency
// check run as jobs.
func (m *Module) JobKinds() []module.JobKind {
	return []module.JobKind{m.svc.draftKind(), m.svc.consistencyKind()}
}

// Routes implements module.Module: the routes that live within the
// generic request timeout.
func (m *Module) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.Get("/ai/usage", httpx.Handle(m.handleUsage))
		r.With(m.guard.Require(roles.Viewer)).Get("/projects/{project_id}/ai/style", httpx.Handle(m.handleGetStyle))
		r.With(m.guard.Require(roles.Editor)).Put("/projects/{project_id}/ai/style", httpx.Handle(m.handlePutStyle))
	})
}

// RootRoutes implements module.RootRouter: the operations, outside the
// generic request timeout (a stream outlives it). Each bounds its own time:
// Budgets.Sync for a JSON answer, Budgets.Stream for a stream, plus the
// request body's allowance either way.
func (m *Module) RootRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(m.deadline, authn.Require)
		r.Post("/api/v1/ai/expand", httpx.Handle(m.handleExpand))
		r.Post("/api/v1/ai/rewrite", httpx.Handle(m.handleRewrite))
		r.Post("/api/v1/ai/summarize", httpx.Handle(m.handleSummarize))
		r.Post("/api/v1/ai/draft", httpx.Handle(m.handleDraft))
		r.Post("/api/v1/ai/consistency", httpx.Handle(m.handleConsistency))
	})
}

// deadline bounds an operation's request: a stream by the stream budget, a
// JSON answer by the synchronous one.
func (m *Module) deadline(next http.Handler) http.Handler {
	syncT := httpx.Timeout(m.svc.budgets.Sync)(next)
	streamT := httpx.Timeout(m.svc.budgets.Stream)(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.wantsStream(r) {
			streamT.ServeHTTP(w, r)
			return
		}
		syncT.ServeHTTP(w, r)
	})
}
