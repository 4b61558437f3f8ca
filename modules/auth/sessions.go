package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/redis"
)

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
func (m *Module) startSession(ctx context.Context, q *store.Queries, u store.User, meta requestMeta) (tokenResponse, error) {
	now := m.now().UTC()
	s, err := q.CreateSession(ctx, store.CreateSessionParams{
		ID: uuid.Must(uuid.NewV7()), UserID: u.ID, UserAgent: meta.userAgent, IpPrefix: meta.ipBucket,
		LastRefreshedAt: now, IdleExpiresAt: now.Add(sessionIdle), AbsoluteExpiresAt: now.Add(sessionAbsolute),
	})
	if err != nil {
		return tokenResponse{}, fmt.Errorf("insert session: %w", err)
	}
	raw, hash := newRefreshToken()
	if err := q.CreateRefreshToken(ctx, store.CreateRefreshTokenParams{ID: uuid.Must(uuid.NewV7()), SessionID: s.ID, TokenHash: hash, IssuedAt: now}); err != nil {
		return tokenResponse{}, fmt.Errorf("insert refresh token: %w", err)
	}
	return tokenResponse{RefreshToken: raw, User: toUserResponse(u), RefreshExpires: s.AbsoluteExpiresAt, session: s.ID}, nil
}

// withAccessToken mints the access token of resp's session.
func (m *Module) withAccessToken(resp tokenResponse) (tokenResponse, error) {
	at, _, err := m.issuer.Issue(resp.User.ID, resp.session)
	if err != nil {
		return tokenResponse{}, err
	}
	resp.AccessToken, resp.TokenType, resp.ExpiresIn = at, "Bearer", int(m.issuer.Lifetime().Seconds())
	return resp, nil
}

func (r tokenResponse) sessionID() uuid.UUID { return r.session }

// refresh rotates raw. See docs/auth.md for the family rules: the immediate
// parent replayed within 10 s gets the first answer again, any other reuse
// revokes the session.
func (m *Module) refresh(ctx context.Context, raw string, meta requestMeta) (tokenResponse, error) {
	if err := m.limit.allowIP(ctx, "refresh", meta.ipBucket); err != nil {
		return tokenResponse{}, err
	}
	hash, ok := refreshHash(raw)
	if !ok {
		return tokenResponse{}, errBadRefresh
	}
	if resp, found, err := m.replay(ctx, hash, meta); found || (err != nil && err != errGraceUnavailable) {
		return resp, err
	}
	var resp tokenResponse
	var parent store.UseRefreshTokenRow
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		var err error
		parent, err = q.UseRefreshToken(ctx, hash)
		if db.IsNoRows(err) {
			return errReuse
		}
		if err != nil {
			return fmt.Errorf("use refresh token: %w", err)
		}
		s, err := q.GetSessionForUpdate(ctx, parent.SessionID)
		if err != nil {
			return fmt.Errorf("lock session: %w", err)
		}
		now := m.now().UTC()
		if s.RevokedAt != nil || !now.Before(s.IdleExpiresAt) || !now.Before(s.AbsoluteExpiresAt) {
			return errBadRefresh
		}
		u, err := q.GetLiveUserByID(ctx, s.UserID)
		if db.IsNoRows(err) {
			return errBadRefresh
		}
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		childRaw, childHash := newRefreshToken()
		if err := q.CreateRefreshToken(ctx, store.CreateRefreshTokenParams{
			ID: uuid.Must(uuid.NewV7()), SessionID: s.ID, TokenHash: childHash, ParentID: &parent.ID, IssuedAt: now,
		}); err != nil {
			return fmt.Errorf("insert refresh token: %w", err)
		}
		idle := now.Add(sessionIdle)
		if idle.After(s.AbsoluteExpiresAt) {
			idle = s.AbsoluteExpiresAt
		}
		if err := q.TouchSession(ctx, store.TouchSessionParams{ID: s.ID, LastRefreshedAt: now, IdleExpiresAt: idle}); err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		resp = tokenResponse{RefreshToken: childRaw, User: toUserResponse(u), RefreshExpires: s.AbsoluteExpiresAt, session: s.ID}
		return nil
	})
	if errors.Is(err, errReuse) {
		return m.reused(ctx, hash, meta)
	}
	if err != nil {
		return tokenResponse{}, err
	}
	resp, err = m.withAccessToken(resp)
	if err != nil {
		return tokenResponse{}, err
	}
	m.storeGrace(ctx, hash, resp)
	return resp, nil
}

var (
	errReuse            = errors.New("refresh token already used")
	errGraceUnavailable = errors.New("refresh grace replies unavailable")
)

// reused handles a token that exists but could not be claimed: a
// concurrent refresh of the same token (answered from the grace reply once
// the winner has stored it), or reuse, which revokes the whole session.
func (m *Module) reused(ctx context.Context, hash []byte, meta requestMeta) (tokenResponse, error) {
	tok, err := m.q.GetRefreshTokenByHash(ctx, hash)
	if db.IsNoRows(err) {
		return tokenResponse{}, errBadRefresh
	}
	if err != nil {
		return tokenResponse{}, fmt.Errorf("find refresh token: %w", err)
	}
	if tok.RevokedAt != nil {
		return tokenResponse{}, errBadRefresh // the family already ended (logout, earlier reuse)
	}
	if tok.UsedAt != nil && m.now().Sub(*tok.UsedAt) < refreshGrace {
		// The winner commits before it stores its reply; wait for it briefly.
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			resp, found, err := m.replay(ctx, hash, meta)
			if err == errGraceUnavailable {
				// Without Redis we cannot tell a second tab from a thief;
				// neither is punished, the client retries.
				return tokenResponse{}, &apperr.Error{Kind: apperr.Unavailable, Detail: "refresh is temporarily unavailable; retry shortly", RetryAfter: time.Second, Err: err}
			}
			if found || err != nil {
				return resp, err
			}
			select {
			case <-ctx.Done():
				return tokenResponse{}, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return tokenResponse{}, m.revokeFamily(ctx, tok.SessionID, meta, "refresh token reused")
}

// revokeFamily ends a session after reuse: all its tokens, its access
// tokens (denylist), and an audit event.
func (m *Module) revokeFamily(ctx context.Context, sessionID uuid.UUID, meta requestMeta, reason string) error {
	ctx = context.WithoutCancel(ctx)
	var userID *uuid.UUID
	_, err := m.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		if _, err := q.RevokeSession(ctx, store.RevokeSessionParams{ID: sessionID, RevokedReason: &reason}); err != nil {
			return nil, err
		}
		s, err := q.GetSessionForUpdate(ctx, sessionID)
		userID = &s.UserID
		// Already revoked or not: every token of the family goes.
		return []uuid.UUID{sessionID}, err
	})
	if err != nil {
		return fmt.Errorf("revoke session family: %w", err)
	}
	m.audit(ctx, "refresh_reused", userID, &sessionID, "", meta, "")
	return errBadRefresh
}

// graceReply is what a refresh stores for its 10-second replay window. It
// holds the window's end (Until), checked in replay: a Redis that does not
// expire keys must not make the window last forever.
type graceReply struct {
	Resp    tokenResponse `json:"resp"`
	Expires time.Time     `json:"expires"`
	Session uuid.UUID     `json:"session"`
	Until   time.Time     `json:"until"`
}

func (m *Module) graceKeyOf(hash []byte) string {
	return m.keys.Key("rt_grace", hex.EncodeToString(hash))
}

// storeGrace keeps the reply to the refresh of hash, encrypted (it holds a
// live refresh token) with AES-GCM bound to hash.
func (m *Module) storeGrace(ctx context.Context, hash []byte, resp tokenResponse) {
	plain, err := json.Marshal(graceReply{Resp: resp, Expires: resp.RefreshExpires, Session: resp.session, Until: m.now().Add(refreshGrace)})
	if err == nil {
		err = m.rdb.Set(context.WithoutCancel(ctx), m.graceKeyOf(hash), m.seal(plain, hash), refreshGrace).Err()
	}
	if err != nil {
		// Without it a second tab refreshing at once gets 503 and retries.
		m.log.WarnContext(ctx, "store refresh grace reply", slog.String("error", err.Error()))
	}
}

// replay answers a repeated refresh of hash from the grace reply, provided
// the window has not ended and the token it handed out is still the
// family's unused leaf. Otherwise this is reuse.
func (m *Module) replay(ctx context.Context, hash []byte, meta requestMeta) (tokenResponse, bool, error) {
	sealed, err := m.rdb.Get(ctx, m.graceKeyOf(hash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return tokenResponse{}, false, nil
	}
	if err != nil {
		m.log.WarnContext(ctx, "read refresh grace reply", slog.String("error", err.Error()))
		return tokenResponse{}, false, errGraceUnavailable
	}
	plain, err := m.open(sealed, hash)
	var g graceReply
	if err == nil {
		err = json.Unmarshal(plain, &g)
	}
	if err != nil {
		// Not ours or damaged: it cannot be replayed, so the token counts
		// as used (reuse rules apply).
		m.log.WarnContext(ctx, "unreadable refresh grace reply", slog.String("error", err.Error()))
		m.rdb.Del(context.WithoutCancel(ctx), m.graceKeyOf(hash))
		return tokenResponse{}, false, nil
	}
	if !m.now().Before(g.Until) {
		return tokenResponse{}, true, m.revokeFamily(ctx, g.Session, meta, "refresh token reused")
	}
	childHash, _ := refreshHash(g.Resp.RefreshToken)
	child, err := m.q.GetRefreshTokenByHash(ctx, childHash)
	if err != nil && !db.IsNoRows(err) {
		return tokenResponse{}, false, fmt.Errorf("find refresh token: %w", err)
	}
	if err != nil || child.UsedAt != nil || child.RevokedAt != nil {
		return tokenResponse{}, true, m.revokeFamily(ctx, g.Session, meta, "refresh token reused")
	}
	if err := m.CheckSession(ctx, g.Resp.User.ID, g.Session); err != nil {
		return tokenResponse{}, true, errBadRefresh
	}
	g.Resp.RefreshExpires, g.Resp.session = g.Expires, g.Session
	return g.Resp, true, nil
}

func (m *Module) seal(plain, aad []byte) []byte {
	nonce := make([]byte, m.grace.NonceSize())
	_, _ = rand.Read(nonce)
	return m.grace.Seal(nonce, nonce, plain, aad)
}

func (m *Module) open(sealed, aad []byte) ([]byte, error) {
	n := m.grace.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("short grace reply")
	}
	return m.grace.Open(nil, sealed[:n], sealed[n:], aad)
}

// newGraceAEAD returns the AES-256-GCM that seals refresh grace replies,
// built once: it keeps no state between calls and is safe to share.
func newGraceAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
