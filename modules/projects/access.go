package projects

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/roles"
)

// The roles, lowest to highest. They cross module boundaries as plain
// strings so consumers need not import this package.
const (
	RoleViewer    = "viewer"
	RoleCommenter = "commenter"
	RoleEditor    = "editor"
	RoleOwner     = "owner"
)

var roleRank = map[string]int{RoleViewer: 1, RoleCommenter: 2, RoleEditor: 3, RoleOwner: 4}

// atLeast reports whether role grants everything min does.
func atLeast(role, min string) bool {
	r, ok := roleRank[role]
	return ok && r >= roleRank[min]
}

// errProjectNotFound is the one answer for a project that is missing, in the
// trash, or not shared with the caller, so existence never leaks.
var errProjectNotFound = apperr.New(apperr.NotFound, "project not found")

// forbidden is the answer to a member whose role is too low: they can see the
// project, so there is nothing to hide.
func forbidden(min string) error {
	return apperr.Newf(apperr.Forbidden, "this needs the %s role or higher", min)
}

// Access answers whether a user may act on a project. *Access implements the
// ProjectAccess interface the chapters and research modules declare.
type Access struct {
	q *store.Queries
}

// Role implements access.Checker: userID's role in the live project, or
// access.ErrNotFound.
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

// Require returns the caller's role in the project when it is at least min.
// The project missing, in the trash, or the user not a member: apperr
// NotFound ("project not found"), so existence is never revealed. A member
// whose role is below min: apperr Forbidden.
func (a *Access) Require(ctx context.Context, userID, projectID uuid.UUID, min string) (string, error) {
	if _, ok := roleRank[min]; !ok {
		return "", fmt.Errorf("projects: Require called with unknown role %q", min)
	}
	if userID == uuid.Nil || projectID == uuid.Nil {
		return "", errProjectNotFound
	}
	role, err := a.q.GetProjectRole(ctx, store.GetProjectRoleParams{UserID: userID, ID: projectID})
	if err != nil {
		if db.IsNoRows(err) {
			return "", errProjectNotFound
		}
		return "", fmt.Errorf("get project role: %w", err)
	}
	if !atLeast(role, min) {
		return role, forbidden(min)
	}
	return role, nil
}
