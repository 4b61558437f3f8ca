// Package projects owns books and who may work on them, and is where roles
// come from.
//
// Tables: projects, project_members (migrations 000003 and 000020). Each
// book's word total comes from the chapters module's published view
// book_word_totals, in the same query as the book.
// Routes: /api/v1/projects[/{project_id}[/restore|/members[/{user_id}]]] and
// /api/v1/trash.
//
// Offers: Access (exports.go), the access.Checker every module's
// access.Guard asks for a caller's role; other modules never read these
// tables. Asks: a UserDirectory (names and emails of accounts; the auth
// module), wired in cmd/thebrain. Projects never reads the tables of
// chapters or users.
//
// Redis: a per-owner rate limit on adding members (each add looks an email
// up). Background work: PurgeTrash deletes trash older than TrashRetention;
// `thebrain purge` runs it, the module starts no goroutines of its own.
package projects

import (
	"context"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/roles"
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
	DB *pgxpool.Pool
	// AccessDB is the pool role checks (Access) run on; required, and not
	// DB: writes in every module re-check the caller's role inside their
	// transaction (access.Guard.Confirm), and a write holding a connection
	// of DB while waiting for another from it could wait forever.
	AccessDB *pgxpool.Pool
	// Cursors signs list cursors; the same codec serves every module.
	Cursors *page.Codec
	Users   UserDirectory
	// Redis holds the rate limit on member additions; nil disables it
	// (tests that do not exercise it).
	Redis *redis.Client
	Keys  redis.Keys
	// MemberAddsPerHour caps how many member additions (each one an email
	// lookup) an owner may attempt per hour; 0 means DefaultMemberAddsPerHour.
	MemberAddsPerHour int
}

// Module is the projects module.
type Module struct {
	svc    *service
	access *Access
}

// New builds the module. It panics without d.AccessDB, or when d.AccessDB is
// d.DB: both are wiring mistakes that would otherwise show only as a
// deadlock under load.
func New(d Deps) *Module {
	switch {
	case d.AccessDB == nil:
		panic("projects: Deps.AccessDB is required (a pool of its own for role checks)")
	case d.AccessDB == d.DB:
		panic("projects: Deps.AccessDB must be a pool of its own, not Deps.DB")
	}
	acc := newAccess(d.AccessDB)
	return &Module{
		access: acc,
		svc: &service{
			db: d.DB, q: store.New(d.DB), guard: access.NewGuard(acc), users: d.Users,
			adds: newAddLimiter(d.Redis, d.Keys, d.MemberAddsPerHour), cursors: d.Cursors,
		},
	}
}

// Name is the module's stable name.
func (m *Module) Name() string { return "projects" }

// JobKinds implements module.JobProvider: the daily purge of the trash.
func (m *Module) JobKinds() []module.JobKind { return []module.JobKind{purgeJob(m.svc.db)} }

// Routes registers the module's HTTP surface under /api/v1. Every route
// needs a signed-in user; routes of one book name the least role they need
// (requireBook: 404 for anyone who cannot see the book, 403 below the role).
// Where the answer also depends on the data (leaving, restoring), the
// service decides the rest from the grant and the locked row.
func (m *Module) Routes(r chi.Router) {
	const project = "/projects/{" + access.ProjectParam + "}"
	const member = project + "/members/{" + userIDParam + "}"
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.Get("/projects", httpx.Handle(m.handleListProjects))
		r.Post("/projects", httpx.Handle(m.handleCreateProject))
		r.Get("/trash", httpx.Handle(m.handleListTrash))

		r.With(m.requireBook(roles.Viewer)).Get(project, httpx.Handle(m.handleGetProject))
		r.With(m.requireBook(roles.Editor)).Put(project, httpx.Handle(m.handleReplaceProject))
		r.With(m.requireBook(roles.Editor)).Patch(project, httpx.Handle(m.handlePatchProject))
		r.With(m.requireBook(roles.Owner)).Delete(project, httpx.Handle(m.handleDeleteProject))
		// Restore reaches into the trash, where only the owner sees a book.
		r.With(m.requireRestorable).Post(project+"/restore", httpx.Handle(m.handleRestoreProject))

		r.With(m.requireBook(roles.Viewer)).Get(project+"/members", httpx.Handle(m.handleListMembers))
		r.With(m.requireBook(roles.Owner)).Post(project+"/members", httpx.Handle(m.handleAddMember))
		r.With(m.requireBook(roles.Owner)).Patch(member, httpx.Handle(m.handleUpdateMember))
		// Any member may remove themselves (leave); only the owner others.
		r.With(m.requireBook(roles.Viewer)).Delete(member, httpx.Handle(m.handleRemoveMember))
	})
}
