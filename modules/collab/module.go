// Package collab is the real-time collaboration server: chapters edited
// together from TipTap through unmodified y-websocket clients, on any
// number of instances, with nothing acknowledged lost.
//
// GET /collab/{chapter_id}?token=… upgrades to a WebSocket speaking the
// y-websocket protocol (package yprotocol frames it; package yjs merges and
// diffs the Y.js updates it carries: the server never runs a CRDT). The room
// of a document is its chapter. Owners and editors write; commenters and
// viewers read (what they send that would change the document is dropped).
// Refusals are close codes (closecodes.go), never HTTP errors.
// POST /api/v1/projects/{project_id}/chapters/{chapter_id}/collab-ticket
// mints a short-lived, single-chapter ticket to put in ?token= instead of
// an access token.
//
// An update is committed when it is appended to the document's Redis
// stream; then it is relayed to the document's clients on every instance,
// and written to PostgreSQL within about a second. A document loads from
// its snapshot, its durable tail and the stream. Docs: docs/collab.md.
//
// Tables: collab_documents, collab_updates (migration 000031). Redis: the
// streams, presence channels and connection leases under
// {prefix}collab:. It asks the chapters module which book a chapter is in
// (ChapterLookup) and the projects module, through access.Guard, for roles;
// tokens are checked with the server's authn.Verifier. A chapter's document
// is seeded from its Markdown and rendered back to it (ChapterLookup's
// ChapterContent and SaveFromDocument, document.go); it offers the chapters
// module Apply (a content write becomes a Y.js update). Run starts its
// background work (serve and collab modes).
package collab

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/roles"
)

// ChapterLookup is what collab needs from the chapters module;
// *chapters.Module satisfies it.
type ChapterLookup interface {
	// ChapterProject returns the book of chapterID when it is a live
	// chapter (ok false when missing or in the trash).
	ChapterProject(ctx context.Context, chapterID uuid.UUID) (projectID uuid.UUID, ok bool, err error)
	// ChapterExists reports whether chapterID is a live chapter of projectID.
	ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error)
	// ChapterContent returns a live chapter's Markdown content (ok false
	// when missing or in the trash): a fresh document is seeded from it.
	ChapterContent(ctx context.Context, chapterID uuid.UUID) (content string, ok bool, err error)
	// SaveFromDocument makes a live chapter's content the Markdown rendered
	// from its document (version and word counts follow; equal content
	// writes nothing).
	SaveFromDocument(ctx context.Context, chapterID uuid.UUID, markdown string) (changed bool, err error)
}

// Deps are the module's dependencies.
type Deps struct {
	Log   *slog.Logger
	DB    *pgxpool.Pool
	Redis *redis.Client
	Keys  redis.Keys
	// Guard answers roles (the projects module's Checker).
	Guard *access.Guard
	// Verifier checks access tokens, revocation included (the auth
	// module's).
	Verifier authn.Verifier
	Chapters ChapterLookup
	// Secret derives the key that seals tickets (THEBRAIN_SECRET_KEY); every
	// instance needs the same one.
	Secret []byte
	// Origins are the browser origins allowed to open sockets besides the
	// server's own host (THEBRAIN_CORS_ORIGINS).
	Origins []string
	// ShutdownTimeout bounds Run's shutdown (0: 20 s).
	ShutdownTimeout time.Duration
	// Limits and Timing override the defaults (zero fields keep them).
	Limits Limits
	Timing Timing
}

// Module is the collab module.
type Module struct {
	svc     *service
	hub     *hub
	guard   *access.Guard
	origins []string
	grace   time.Duration
}

// New builds the module. Sockets are refused (1013) until Run is called.
func New(d Deps) (*Module, error) {
	sealer, err := newTicketSealer(d.Secret)
	if err != nil {
		return nil, err
	}
	svc := newService(d, sealer)
	m := &Module{svc: svc, hub: newHub(d, svc), guard: d.Guard, origins: originPatterns(d.Origins), grace: d.ShutdownTimeout}
	if m.grace <= 0 {
		m.grace = 20 * time.Second
	}
	return m, nil
}

// Name implements module.Module.
func (m *Module) Name() string { return "collab" }

// Routes implements module.Module: the ticket endpoint. Any member may
// mint a ticket (viewers read).
func (m *Module) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.With(m.guard.Require(roles.Viewer)).Post("/projects/{project_id}/chapters/{chapter_id}/collab-ticket", httpx.Handle(m.handleCreateTicket))
	})
}

// RootRoutes implements module.RootRouter: the document socket, outside
// /api/v1 (no request timeout; its own authentication from ?token=).
func (m *Module) RootRoutes(r chi.Router) {
	r.Get("/collab/{chapter_id}", m.handleSocket)
}

// Run serves sockets until ctx ends, then closes them ("going away"),
// writes everything to PostgreSQL and returns. serve and collab modes call
// it; Lambda does not (its sockets would be refused).
func (m *Module) Run(ctx context.Context) error { return m.hub.run(ctx, m.grace) }

// Ready reports whether sockets are served (for /readyz): not before Run,
// nor while shutting down.
func (m *Module) Ready(context.Context) error {
	switch m.hub.state.Load() {
	case hubRunning:
		return nil
	case hubDraining:
		return errDraining
	}
	return errNotRunning
}
