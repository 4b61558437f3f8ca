package projects

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/roles"
)

// Access is where roles come from: it implements access.Checker, which the
// composition root hands to every module's access.Guard. Its one query runs
// on a pool of its own (Deps.AccessDB), because Guard.Confirm asks it while
// the caller holds a transaction of the main pool.
type Access struct {
	q *store.Queries
}

func newAccess(pool *pgxpool.Pool) *Access { return &Access{q: store.New(pool)} }

// Access returns the module's access.Checker.
func (m *Module) Access() *Access { return m.access }

// Role implements access.Checker: userID's role in the live project, or
// access.ErrNotFound. One indexed query (projects_pkey and a
// project_members probe).
func (a *Access) Role(ctx context.Context, userID, projectID uuid.UUID) (roles.Role, error) {
	role, err := a.q.GetProjectRole(ctx, store.GetProjectRoleParams{UserID: userID, ID: projectID})
	if err != nil {
		if db.IsNoRows(err) {
			return "", access.ErrNotFound
		}
		return "", fmt.Errorf("get project role: %w", err)
	}
	return roles.Role(role), nil
}
