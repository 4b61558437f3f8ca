// Package projectstest gives the tests of other modules real books: made by
// the projects module's own queries, shared with real members, and checked
// by the projects module's own access.Checker. Tests never write the
// projects tables themselves.
package projectstest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/roles"
)

// Books makes books in one test database.
type Books struct {
	pool   *pgxpool.Pool
	q      *store.Queries
	access *projects.Access
	guard  *access.Guard
}

// New returns Books over pool (a testkit.Postgres schema). Role checks run
// on a small pool of their own, as in production (see projects.Deps).
func New(t testing.TB, pool *pgxpool.Pool) *Books {
	t.Helper()
	cfg := pool.Config()
	cfg.MaxConns = 4
	accessPool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("projectstest: access pool: %v", err)
	}
	t.Cleanup(accessPool.Close)
	mod := projects.New(projects.Deps{DB: pool, AccessDB: accessPool})
	return &Books{pool: pool, q: store.New(pool), access: mod.Access(), guard: access.NewGuard(mod.Access())}
}

// Checker is the projects module's access.Checker over these books.
func (b *Books) Checker() access.Checker { return b.access }

// Guard is an access.Guard asking Checker.
func (b *Books) Guard() *access.Guard { return b.guard }

// Access is the projects module's Access (for modules that still take it).
func (b *Books) Access() *projects.Access { return b.access }

// Create adds a book owned by owner and returns its id.
func (b *Books) Create(t testing.TB, owner uuid.UUID, title string) uuid.UUID {
	t.Helper()
	p, err := b.q.CreateProject(context.Background(), store.CreateProjectParams{
		ID: uuid.Must(uuid.NewV7()), OwnerID: owner, Title: title,
	})
	if err != nil {
		t.Fatalf("projectstest: create book: %v", err)
	}
	return p.ID
}

// Share makes user a member of project with role (below owner).
func (b *Books) Share(t testing.TB, project, user uuid.UUID, role roles.Role) {
	t.Helper()
	if role == roles.Owner || !role.Valid() {
		t.Fatalf("projectstest: cannot share with role %q", role)
	}
	if _, err := b.q.CreateMember(context.Background(), store.CreateMemberParams{ProjectID: project, UserID: user, Role: string(role)}); err != nil {
		t.Fatalf("projectstest: share book: %v", err)
	}
}

// SetRole changes a member's role.
func (b *Books) SetRole(t testing.TB, project, user uuid.UUID, role roles.Role) {
	t.Helper()
	if _, err := b.q.UpdateMemberRole(context.Background(), store.UpdateMemberRoleParams{ProjectID: project, UserID: user, Role: string(role)}); err != nil {
		t.Fatalf("projectstest: set role: %v", err)
	}
}

// Remove takes user off project's members.
func (b *Books) Remove(t testing.TB, project, user uuid.UUID) {
	t.Helper()
	if _, err := b.q.DeleteMember(context.Background(), store.DeleteMemberParams{ProjectID: project, UserID: user}); err != nil {
		t.Fatalf("projectstest: remove member: %v", err)
	}
}

// Trash moves project to the trash.
func (b *Books) Trash(t testing.TB, project uuid.UUID) {
	t.Helper()
	if err := b.q.TrashProject(context.Background(), project); err != nil {
		t.Fatalf("projectstest: trash book: %v", err)
	}
}

// TrashAged moves project to the trash as if that had happened age ago
// (the trash keeps a book projects.TrashRetention).
func (b *Books) TrashAged(t testing.TB, project uuid.UUID, age time.Duration) {
	t.Helper()
	b.Trash(t, project)
	if _, err := b.pool.Exec(context.Background(), `UPDATE projects SET deleted_at = now() - make_interval(secs => $2) WHERE id = $1`,
		project, age.Seconds()); err != nil {
		t.Fatalf("projectstest: age trash: %v", err)
	}
}

// Exists reports whether project is still stored, live or in the trash.
func (b *Books) Exists(t testing.TB, project uuid.UUID) bool {
	t.Helper()
	var ok bool
	if err := b.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1)`, project).Scan(&ok); err != nil {
		t.Fatalf("projectstest: book exists: %v", err)
	}
	return ok
}
