// Package access decides whether the caller may act on a project. Routes
// with {project_id} in their path declare the least role they need with
// Guard.Require; the middleware checks it once and leaves a Grant in the
// request context for the handler. Modules whose project comes from a body
// or a document call Guard.Check from their service instead.
//
// A check made before a write's transaction can be overtaken by a
// membership change (a member removed while their request is in flight).
// Writes therefore Confirm their grant as the first statement of their
// transaction: it takes the project's membership lock in shared mode, which
// every membership change takes exclusively (LockMembers) before it touches
// anything, and asks the Checker again. Either the change committed before
// the lock was granted, and the new answer is seen, or it waits until the
// write has committed.
package access

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/roles"
)

// ProjectParam is the path parameter every project route names its project
// with.
const ProjectParam = "project_id"

// Grant is what an access check established: who acts on which project,
// with which role.
type Grant struct {
	UserID    uuid.UUID
	ProjectID uuid.UUID
	Role      roles.Role
}

// Checker answers a user's role in a project; the projects module
// implements it. It must run its query on a pool of its own: Confirm calls
// it while the caller holds a transaction, and a caller waiting for a second
// connection from the pool its own transactions hold could wait forever.
type Checker interface {
	// Role returns userID's role in the live project projectID, or
	// ErrNotFound when the project is missing, in the trash or not shared
	// with the user.
	Role(ctx context.Context, userID, projectID uuid.UUID) (roles.Role, error)
}

// ErrNotFound is the one answer for a project that is missing, in the trash
// or not shared with the caller, so existence never leaks.
var ErrNotFound = apperr.New(apperr.NotFound, "project not found")

// Forbidden is the answer to a member whose role is below min: they can see
// the project, so there is nothing to hide.
func Forbidden(min roles.Role) error {
	return apperr.Newf(apperr.Forbidden, "this needs the %s role or higher", min)
}

// Guard checks roles with a Checker.
type Guard struct {
	c Checker
}

// NewGuard returns a Guard asking c.
func NewGuard(c Checker) *Guard { return &Guard{c: c} }

// Check returns the grant of userID in projectID when their role is at
// least min: ErrNotFound when they cannot see the project, Forbidden when
// their role is too low.
func (g *Guard) Check(ctx context.Context, userID, projectID uuid.UUID, min roles.Role) (Grant, error) {
	if !min.Valid() {
		return Grant{}, fmt.Errorf("access: check for unknown role %q", min)
	}
	if userID == uuid.Nil || projectID == uuid.Nil {
		return Grant{}, ErrNotFound
	}
	role, err := g.c.Role(ctx, userID, projectID)
	if err != nil {
		return Grant{}, err
	}
	gr := Grant{UserID: userID, ProjectID: projectID, Role: role}
	if !role.AtLeast(min) {
		return gr, Forbidden(min)
	}
	return gr, nil
}

// Require is route middleware for routes with {project_id} in the path: it
// lets the request through only when the signed-in caller's role in that
// project is at least min, with the Grant in the context (GrantFrom). Mount
// it after authn.Require.
func (g *Guard) Require(min roles.Role) func(http.Handler) http.Handler {
	if !min.Valid() {
		panic(fmt.Sprintf("access: Require(%q): unknown role", min))
	}
	return func(next http.Handler) http.Handler {
		return httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
			projectID, err := httpx.PathUUID(r, ProjectParam)
			if err != nil {
				return err
			}
			ctx := r.Context()
			gr, err := g.Check(ctx, authn.UserID(ctx), projectID, min)
			if err != nil {
				return err
			}
			next.ServeHTTP(w, r.WithContext(WithGrant(ctx, gr)))
			return nil
		})
	}
}

// Confirm re-checks gr inside the write's transaction tx and returns the
// grant as it stands now. Make it the transaction's first statement: it
// takes the project's membership lock in shared mode, so no membership
// change can commit until tx ends, then asks the Checker again.
func (g *Guard) Confirm(ctx context.Context, tx pgx.Tx, gr Grant, min roles.Role) (Grant, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended('access:' || $1::uuid::text, 0))`, gr.ProjectID); err != nil {
		return Grant{}, fmt.Errorf("membership lock: %w", err)
	}
	return g.Check(ctx, gr.UserID, gr.ProjectID, min)
}

// LockMembers takes the project's membership lock exclusively in tx, for a
// change of who may act on the project (a member added, removed or given
// another role; the project trashed or restored). Take it before any other
// lock in tx: writes wait for it while holding nothing else, so the order
// cannot deadlock.
func LockMembers(ctx context.Context, tx pgx.Tx, projectID uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('access:' || $1::uuid::text, 0))`, projectID); err != nil {
		return fmt.Errorf("membership lock: %w", err)
	}
	return nil
}

type grantKey struct{}

// WithGrant returns ctx carrying gr.
func WithGrant(ctx context.Context, gr Grant) context.Context {
	return context.WithValue(ctx, grantKey{}, gr)
}

// GrantFrom returns the grant Require left in the context. Behind Require
// it is always there; elsewhere it is the zero Grant, which no service
// accepts.
func GrantFrom(ctx context.Context) Grant {
	gr, _ := ctx.Value(grantKey{}).(Grant)
	return gr
}
