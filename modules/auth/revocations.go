package auth

import (
	"context"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/authn"
)

// revocationLog is the auth module's side of authn.RevocationLog: the
// revocation_outbox table, written in the transactions that revoke.
type revocationLog struct{ q *store.Queries }

func (l revocationLog) PendingRevocations(ctx context.Context, limit int) ([]authn.Revocation, error) {
	rows, err := l.q.ListPendingRevocations(ctx, int32(limit))
	if err != nil {
		return nil, err
	}
	return toRevocations(rows), nil
}

func (l revocationLog) DeleteRevocations(ctx context.Context, ids []int64) error {
	return l.q.DeleteRevocations(ctx, ids)
}

func toRevocations(rows []store.RevocationOutbox) []authn.Revocation {
	out := make([]authn.Revocation, 0, len(rows))
	for _, r := range rows {
		rev := authn.Revocation{ID: r.ID}
		if r.SessionID != nil {
			rev.Session = *r.SessionID
		}
		if r.UserID != nil {
			rev.User = *r.UserID
		}
		out = append(out, rev)
	}
	return out
}
