package auth

import (
	"context"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/authn"
)

// Verifier is the revocation-aware verifier the server must use: logout,
// session revocation, password change and disabled accounts take effect on
// every route (docs/auth.md, "Sessions and revocation", gives the bounds).
func (m *Module) Verifier() authn.Verifier { return m.verifier }

// LookupEmail canonicalises email exactly as signup and login do and
// returns the live user; NotFound when there is none. With Profiles it is
// the user directory of the projects module (and chapters' author names).
func (m *Module) LookupEmail(ctx context.Context, email string) (authn.UserProfile, error) {
	return m.svc.LookupEmail(ctx, email)
}

// Profiles returns the live users among ids in one query; missing ones are
// absent from the map.
func (m *Module) Profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error) {
	return m.svc.Profiles(ctx, ids)
}

// DisableUser disables an account and makes its tokens stop working (an
// operator action; there is no HTTP route for it yet).
func (m *Module) DisableUser(ctx context.Context, id uuid.UUID) error {
	return m.svc.DisableUser(ctx, id)
}

// FollowRevocations keeps this process's copy of the token denylist
// current until ctx ends, so the Verifier answers without a round trip to
// Redis, and drains the revocation log (see authn.Denylist.Follow).
// Long-running servers call it in a goroutine; without it every check asks
// Redis and drains during token checks.
func (m *Module) FollowRevocations(ctx context.Context) { m.svc.deny.Follow(ctx, m.svc.log) }

// DenylistLive reports whether token checks currently answer from this
// process's copy of the denylist (see authn.Denylist.Live).
func (m *Module) DenylistLive() bool { return m.svc.deny.Live() }
