package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
)

// signedIn is what signup, login and refresh hand the client: a session's
// new access token and refresh token, and the account.
type signedIn struct {
	Account     account
	Session     uuid.UUID
	AccessToken string
	// AccessLifetime is how long the access token is valid.
	AccessLifetime time.Duration
	RefreshToken   string
	// RefreshExpires is when the session's absolute lifetime ends, and
	// RefreshLeft how long that is from now (the refresh cookie's Max-Age).
	RefreshExpires time.Time
	RefreshLeft    time.Duration
}

// Refresh tokens are "rt_" + base64url of 32 random bytes: opaque, 256 bits,
// stored only as SHA-256 (a fast hash suffices for a full-entropy secret and
// allows lookup by hash).
const (
	refreshPrefix = "rt_"
	refreshLen    = len(refreshPrefix) + 43
)

// errBadRefresh answers every refresh token that cannot be used, for any
// reason: unknown, expired, revoked, reused.
var errBadRefresh = &apperr.Error{Kind: apperr.Unauthenticated, Detail: "the refresh token is invalid or expired; sign in again"}

var (
	errReuse            = errors.New("refresh token already used")
	errGraceUnavailable = errors.New("refresh grace replies unavailable")
)

func newRefreshToken() (raw string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	raw = refreshPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(raw))
	return raw, sum[:]
}

// refreshHash checks the token's shape before hashing it.
func refreshHash(raw string) ([]byte, bool) {
	if len(raw) != refreshLen || raw[:len(refreshPrefix)] != refreshPrefix {
		return nil, false
	}
	if b, err := base64.RawURLEncoding.DecodeString(raw[len(refreshPrefix):]); err != nil || len(b) != 32 {
		return nil, false
	}
	sum := sha256.Sum256([]byte(raw))
	return sum[:], true
}

// startSession creates a session (one refresh-token family) for u inside
// the caller's transaction. The access token is added after commit.
func (s *service) startSession(ctx context.Context, q *store.Queries, u store.User, meta requestMeta) (signedIn, error) {
	now := s.now().UTC()
	sess, err := q.CreateSession(ctx, store.CreateSessionParams{
		ID: uuid.Must(uuid.NewV7()), UserID: u.ID, UserAgent: meta.userAgent, IpPrefix: meta.ipBucket,
		LastRefreshedAt: now, IdleExpiresAt: now.Add(sessionIdle), AbsoluteExpiresAt: now.Add(sessionAbsolute),
	})
	if err != nil {
		return signedIn{}, fmt.Errorf("insert session: %w", err)
	}
	raw, hash := newRefreshToken()
	if err := q.CreateRefreshToken(ctx, store.CreateRefreshTokenParams{ID: uuid.Must(uuid.NewV7()), SessionID: sess.ID, TokenHash: hash, IssuedAt: now}); err != nil {
		return signedIn{}, fmt.Errorf("insert refresh token: %w", err)
	}
	return signedIn{Account: accountOf(u), Session: sess.ID, RefreshToken: raw, RefreshExpires: sess.AbsoluteExpiresAt}, nil
}

// withAccessToken mints the access token of si's session.
func (s *service) withAccessToken(si signedIn) (signedIn, error) {
	at, _, err := s.issuer.Issue(si.Account.ID, si.Session)
	if err != nil {
		return signedIn{}, err
	}
	si.AccessToken, si.AccessLifetime = at, s.issuer.Lifetime()
	si.RefreshLeft = si.RefreshExpires.Sub(s.now())
	return si, nil
}

// Refresh rotates raw. See docs/auth.md for the family rules: the immediate
// parent replayed within 10 s gets the first answer again, any other reuse
// revokes the session.
func (s *service) Refresh(ctx context.Context, raw string, meta requestMeta) (signedIn, error) {
	if err := s.limit.allowIP(ctx, "refresh", meta.ipBucket); err != nil {
		return signedIn{}, err
	}
	hash, ok := refreshHash(raw)
	if !ok {
		return signedIn{}, errBadRefresh
	}
	if si, found, err := s.replay(ctx, hash, meta); found || (err != nil && err != errGraceUnavailable) {
		return si, err
	}
	var si signedIn
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		parent, err := q.UseRefreshToken(ctx, hash)
		if db.IsNoRows(err) {
			return errReuse
		}
		if err != nil {
			return fmt.Errorf("use refresh token: %w", err)
		}
		sess, err := q.GetSessionForUpdate(ctx, parent.SessionID)
		if err != nil {
			return fmt.Errorf("lock session: %w", err)
		}
		now := s.now().UTC()
		if sess.RevokedAt != nil || !now.Before(sess.IdleExpiresAt) || !now.Before(sess.AbsoluteExpiresAt) {
			return errBadRefresh
		}
		u, err := q.GetLiveUserByID(ctx, sess.UserID)
		if db.IsNoRows(err) {
			return errBadRefresh
		}
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		childRaw, childHash := newRefreshToken()
		if err := q.CreateRefreshToken(ctx, store.CreateRefreshTokenParams{
			ID: uuid.Must(uuid.NewV7()), SessionID: sess.ID, TokenHash: childHash, ParentID: &parent.ID, IssuedAt: now,
		}); err != nil {
			return fmt.Errorf("insert refresh token: %w", err)
		}
		idle := now.Add(sessionIdle)
		if idle.After(sess.AbsoluteExpiresAt) {
			idle = sess.AbsoluteExpiresAt
		}
		if err := q.TouchSession(ctx, store.TouchSessionParams{ID: sess.ID, LastRefreshedAt: now, IdleExpiresAt: idle}); err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		si = signedIn{Account: accountOf(u), Session: sess.ID, RefreshToken: childRaw, RefreshExpires: sess.AbsoluteExpiresAt}
		return nil
	})
	if errors.Is(err, errReuse) {
		return s.reused(ctx, hash, meta)
	}
	if err != nil {
		return signedIn{}, err
	}
	si, err = s.withAccessToken(si)
	if err != nil {
		return signedIn{}, err
	}
	s.storeGrace(ctx, hash, si)
	return si, nil
}

// reused handles a token that exists but could not be claimed: a
// concurrent refresh of the same token (answered from the grace reply once
// the winner has stored it), or reuse, which revokes the whole session.
func (s *service) reused(ctx context.Context, hash []byte, meta requestMeta) (signedIn, error) {
	tok, err := s.q.GetRefreshTokenByHash(ctx, hash)
	if db.IsNoRows(err) {
		return signedIn{}, errBadRefresh
	}
	if err != nil {
		return signedIn{}, fmt.Errorf("find refresh token: %w", err)
	}
	if tok.RevokedAt != nil {
		return signedIn{}, errBadRefresh // the family already ended (logout, earlier reuse)
	}
	if tok.UsedAt != nil && s.now().Sub(*tok.UsedAt) < refreshGrace {
		// The winner commits before it stores its reply; wait for it briefly.
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			si, found, err := s.replay(ctx, hash, meta)
			if err == errGraceUnavailable {
				// Without Redis we cannot tell a second tab from a thief;
				// neither is punished, the client retries.
				return signedIn{}, &apperr.Error{Kind: apperr.Unavailable, Detail: "refresh is temporarily unavailable; retry shortly", RetryAfter: time.Second, Err: err}
			}
			if found || err != nil {
				return si, err
			}
			select {
			case <-ctx.Done():
				return signedIn{}, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return signedIn{}, s.revokeFamily(ctx, tok.SessionID, meta, "refresh token reused")
}

// revokeFamily ends a session after reuse: all its tokens, its access
// tokens (denylist), and an audit event.
func (s *service) revokeFamily(ctx context.Context, sessionID uuid.UUID, meta requestMeta, reason string) error {
	ctx = context.WithoutCancel(ctx)
	var userID *uuid.UUID
	_, err := s.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		if _, err := q.RevokeSession(ctx, store.RevokeSessionParams{ID: sessionID, RevokedReason: &reason}); err != nil {
			return nil, err
		}
		sess, err := q.GetSessionForUpdate(ctx, sessionID)
		userID = &sess.UserID
		// Already revoked or not: every token of the family goes.
		return []uuid.UUID{sessionID}, err
	})
	if err != nil {
		return fmt.Errorf("revoke session family: %w", err)
	}
	s.audit(ctx, "refresh_reused", userID, &sessionID, "", meta, "")
	return errBadRefresh
}

// logoutScope is which of the caller's sessions a logout ends.
type logoutScope string

const (
	logoutLocal  logoutScope = "local"  // the caller's session
	logoutOthers logoutScope = "others" // every other session of the user
	logoutGlobal logoutScope = "global" // every session of the user
)

// Logout ends the sessions scope names.
func (s *service) Logout(ctx context.Context, p authn.Principal, scope logoutScope, meta requestMeta) error {
	reason := "logout " + string(scope)
	_, err := s.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		switch scope {
		case logoutLocal:
			return q.RevokeSessionByUser(ctx, store.RevokeSessionByUserParams{ID: p.SessionID, UserID: p.UserID, RevokedReason: &reason})
		case logoutOthers:
			return q.RevokeOtherSessionsByUser(ctx, store.RevokeOtherSessionsByUserParams{UserID: p.UserID, ID: p.SessionID, RevokedReason: &reason})
		case logoutGlobal:
			return q.RevokeSessionsByUser(ctx, store.RevokeSessionsByUserParams{UserID: p.UserID, RevokedReason: &reason})
		}
		return nil, fmt.Errorf("logout: unknown scope %q", scope)
	})
	if err != nil {
		return err
	}
	s.audit(ctx, "logout", &p.UserID, &p.SessionID, "", meta, string(scope))
	return nil
}

// sessionCursor is the keyset cursor of the sessions list.
type sessionCursor struct {
	T  time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// ListSessions returns a page of userID's live sessions, newest first.
func (s *service) ListSessions(ctx context.Context, userID uuid.UUID, pr page.Request) (page.Page[store.Session], error) {
	scope := "auth.sessions:" + userID.String()
	params := store.ListActiveSessionsByUserParams{UserID: userID, Now: s.now().UTC(), Lim: int32(pr.Limit + 1)}
	if pr.Cursor != "" {
		var c sessionCursor
		if err := s.cursors.Decode(scope, pr.Cursor, &c); err != nil {
			return page.Page[store.Session]{}, err
		}
		params.AfterCreated, params.AfterID = &c.T, &c.ID
	}
	rows, err := s.q.ListActiveSessionsByUser(ctx, params)
	if err != nil {
		return page.Page[store.Session]{}, err
	}
	return page.Build(s.cursors, scope, rows, pr.Limit,
		func(sess store.Session) store.Session { return sess },
		func(sess store.Session) any { return sessionCursor{T: sess.CreatedAt, ID: sess.ID} }), nil
}

// RevokeSession ends one of the caller's sessions. Another user's session
// is "not found", like one that does not exist.
func (s *service) RevokeSession(ctx context.Context, p authn.Principal, id uuid.UUID, meta requestMeta) error {
	reason := "revoked by user"
	_, err := s.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		revoked, err := q.RevokeSessionByUser(ctx, store.RevokeSessionByUserParams{ID: id, UserID: p.UserID, RevokedReason: &reason})
		if err == nil && len(revoked) == 0 {
			err = apperr.New(apperr.NotFound, "no such session")
		}
		return revoked, err
	})
	if err != nil {
		return err
	}
	s.audit(ctx, "session_revoked", &p.UserID, &id, "", meta, "")
	return nil
}
