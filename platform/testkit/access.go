package testkit

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/apperr"
)

// RoleRank orders the project roles, lowest first.
var RoleRank = map[string]int{"viewer": 1, "commenter": 2, "editor": 3, "owner": 4}

// ProjectAccess is the project access contract (Require) over the real
// projects and project_members tables, as the projects module implements
// it, for the tests of modules that consume it: the owner is
// projects.owner_id, other roles come from project_members, and a missing
// or trashed project or a non-member is NotFound.
type ProjectAccess struct{ Pool *pgxpool.Pool }

// Require returns the caller's role when it is at least min.
func (a ProjectAccess) Require(ctx context.Context, userID, projectID uuid.UUID, min string) (string, error) {
	var role *string
	err := a.Pool.QueryRow(ctx, `
		SELECT CASE WHEN p.owner_id = $2 THEN 'owner' ELSE m.role END
		FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
		WHERE p.id = $1 AND p.deleted_at IS NULL`, projectID, userID).Scan(&role)
	if err != nil || role == nil {
		return "", apperr.New(apperr.NotFound, "project not found")
	}
	if RoleRank[*role] < RoleRank[min] {
		return *role, apperr.New(apperr.Forbidden, "your role in this project does not allow this")
	}
	return *role, nil
}
