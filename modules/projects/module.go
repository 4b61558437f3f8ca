// Package projects owns books and who may work on them.
//
// Tables: projects, project_members (migrations 000003 and 000020). Each
// book's word total comes from the chapters module's published view
// book_word_totals, in the same query as the book.
// Routes: /api/v1/projects[/{project_id}[/restore|/members[/{user_id}]]] and
// /api/v1/trash. Other modules never read these tables: they ask Access
// (see access.go) whether a user may act on a project. Projects in turn never
// reads the tables of chapters or users: names and emails come through
// UserDirectory, wired in cmd/thebrain.
//
// Redis: a per-owner rate limit on adding members (each add looks an email
// up). Background work: PurgeTrash deletes trash older than TrashRetention; the
// composition root runs it (a command or a periodic task), the module starts
// no goroutines of its own.
package projects

import (
	"context"
	"log/slog"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
)

// UserDirectory finds accounts by email and shows their names. Declared
// here; *auth.Module implements it.
type UserDirectory interface {
	// LookupEmail canonicalises email exactly as signup/login do and returns
	// the live (not deleted, not disabled) user; apperr NotFound when there
	// is none.
	LookupEmail(ctx context.Context, email string) (authn.UserProfile, error)
	// Profiles returns the live users among ids (missing ones are absent
	// from the map). One query.
	Profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error)
}

// Deps are what the module needs from the composition root.
type Deps struct {
	Log *slog.Logger
	DB  *pgxpool.Pool
	// AccessDB is the pool role checks (Access) run on. It must not be DB:
	// writes in every module re-check the caller's role inside their
	// transaction (access.Guard.Confirm), and a write holding a connection
	// of DB while waiting for another from it could wait forever.
	AccessDB *pgxpool.Pool
	// Pages signs list cursors; the same codec serves every module.
	Pages *page.Codec
	Users UserDirectory
	// Redis holds the rate limit on member additions; nil disables it
	// (tests that do not exercise it).
	Redis *redis.Client
	Keys  redis.Keys
	// MemberAddsPerHour caps how many member additions (each one an email
	// lookup) an owner may attempt per hour; 0 means DefaultMemberAddsPerHour.
	MemberAddsPerHour int
}

// DefaultMemberAddsPerHour is generous for building a team and slow for
// anyone trying emails to learn which have accounts.
const DefaultMemberAddsPerHour = 30

// Module is the projects module.
type Module struct {
	log    *slog.Logger
	db     *pgxpool.Pool
	q      *store.Queries
	pages  *page.Codec
	users  UserDirectory
	access *Access
	adds   *addLimiter
}

// New builds the module.
func New(d Deps) *Module {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := store.New(d.DB)
	accessDB := d.AccessDB
	if accessDB == nil {
		accessDB = d.DB // TODO(shape): every caller passes its own pool
	}
	return &Module{
		log: log, db: d.DB, q: q, pages: d.Pages, users: d.Users,
		access: &Access{q: store.New(accessDB)},
		adds:   newAddLimiter(d.Redis, d.Keys, d.MemberAddsPerHour),
	}
}

// Name is the module's stable name.
func (m *Module) Name() string { return "projects" }

// Access is the role check other modules call before touching anything
// inside a project.
func (m *Module) Access() *Access { return m.access }

// Routes registers the module's HTTP surface under /api/v1. Every route
// needs a signed-in user.
func (m *Module) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.Get("/projects", httpx.Handle(m.handleListProjects))
		r.Post("/projects", httpx.Handle(m.handleCreateProject))
		r.Get("/projects/{project_id}", httpx.Handle(m.handleGetProject))
		r.Put("/projects/{project_id}", httpx.Handle(m.handleReplaceProject))
		r.Patch("/projects/{project_id}", httpx.Handle(m.handlePatchProject))
		r.Delete("/projects/{project_id}", httpx.Handle(m.handleDeleteProject))
		r.Post("/projects/{project_id}/restore", httpx.Handle(m.handleRestoreProject))
		r.Get("/trash", httpx.Handle(m.handleListTrash))

		r.Get("/projects/{project_id}/members", httpx.Handle(m.handleListMembers))
		r.Post("/projects/{project_id}/members", httpx.Handle(m.handleAddMember))
		r.Patch("/projects/{project_id}/members/{user_id}", httpx.Handle(m.handleUpdateMember))
		r.Delete("/projects/{project_id}/members/{user_id}", httpx.Handle(m.handleRemoveMember))
	})
}
