package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/redis"
)

// Refresh grace replies: a refresh keeps its answer in Redis for
// refreshGrace, encrypted, so that the same token refreshed again at once
// (a second tab) gets the same answer instead of counting as reuse.

// graceReply is what a refresh stores for its replay window. It holds the
// window's end (Until), checked in replay: a Redis that does not expire
// keys must not make the window last forever.
type graceReply struct {
	Resp    graceTokens `json:"resp"`
	Expires time.Time   `json:"expires"`
	Session uuid.UUID   `json:"session"`
	Until   time.Time   `json:"until"`
}

// graceTokens is the answer as the client got it. Its JSON is the token
// response's, which replies stored by earlier versions hold: keep it, or a
// reply stored by a process of the previous version during a deploy becomes
// unreadable, and its token counts as reused.
type graceTokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	User         struct {
		ID        uuid.UUID `json:"id"`
		Email     string    `json:"email"`
		FullName  string    `json:"full_name"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"user"`
}

func graceReplyOf(si signedIn, until time.Time) graceReply {
	t := graceTokens{AccessToken: si.AccessToken, TokenType: "Bearer", ExpiresIn: int(si.AccessLifetime.Seconds()), RefreshToken: si.RefreshToken}
	t.User.ID, t.User.Email, t.User.FullName, t.User.CreatedAt = si.Account.ID, si.Account.Email, si.Account.FullName, si.Account.CreatedAt.UTC()
	return graceReply{Resp: t, Expires: si.RefreshExpires, Session: si.Session, Until: until}
}

// signedIn is the reply as the service returns it, now.
func (g graceReply) signedIn(now time.Time) signedIn {
	u := g.Resp.User
	return signedIn{
		Account: account{ID: u.ID, Email: u.Email, FullName: u.FullName, CreatedAt: u.CreatedAt},
		Session: g.Session, AccessToken: g.Resp.AccessToken, AccessLifetime: time.Duration(g.Resp.ExpiresIn) * time.Second,
		RefreshToken: g.Resp.RefreshToken, RefreshExpires: g.Expires, RefreshLeft: g.Expires.Sub(now),
	}
}

func (s *service) graceKeyOf(hash []byte) string {
	return s.keys.Key("rt_grace", hex.EncodeToString(hash))
}

// storeGrace keeps the reply to the refresh of hash, encrypted (it holds a
// live refresh token) with AES-GCM bound to hash.
func (s *service) storeGrace(ctx context.Context, hash []byte, si signedIn) {
	plain, err := json.Marshal(graceReplyOf(si, s.now().Add(refreshGrace)))
	if err == nil {
		err = s.rdb.Set(context.WithoutCancel(ctx), s.graceKeyOf(hash), s.seal(plain, hash), refreshGrace).Err()
	}
	if err != nil {
		// Without it a second tab refreshing at once gets 503 and retries.
		s.log.WarnContext(ctx, "store refresh grace reply", slog.String("error", err.Error()))
	}
}

// replay answers a repeated refresh of hash from the grace reply, provided
// the window has not ended and the token it handed out is still the
// family's unused leaf. Otherwise this is reuse.
func (s *service) replay(ctx context.Context, hash []byte, meta requestMeta) (signedIn, bool, error) {
	sealed, err := s.rdb.Get(ctx, s.graceKeyOf(hash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return signedIn{}, false, nil
	}
	if err != nil {
		s.log.WarnContext(ctx, "read refresh grace reply", slog.String("error", err.Error()))
		return signedIn{}, false, errGraceUnavailable
	}
	plain, err := s.open(sealed, hash)
	var g graceReply
	if err == nil {
		err = json.Unmarshal(plain, &g)
	}
	if err != nil {
		// Not ours or damaged: it cannot be replayed, so the token counts
		// as used (reuse rules apply).
		s.log.WarnContext(ctx, "unreadable refresh grace reply", slog.String("error", err.Error()))
		s.rdb.Del(context.WithoutCancel(ctx), s.graceKeyOf(hash))
		return signedIn{}, false, nil
	}
	if !s.now().Before(g.Until) {
		return signedIn{}, true, s.revokeFamily(ctx, g.Session, meta, "refresh token reused")
	}
	childHash, _ := refreshHash(g.Resp.RefreshToken)
	child, err := s.q.GetRefreshTokenByHash(ctx, childHash)
	if err != nil && !db.IsNoRows(err) {
		return signedIn{}, false, fmt.Errorf("find refresh token: %w", err)
	}
	if err != nil || child.UsedAt != nil || child.RevokedAt != nil {
		return signedIn{}, true, s.revokeFamily(ctx, g.Session, meta, "refresh token reused")
	}
	if err := s.CheckSession(ctx, g.Resp.User.ID, g.Session); err != nil {
		return signedIn{}, true, errBadRefresh
	}
	return g.signedIn(s.now()), true, nil
}

func (s *service) seal(plain, aad []byte) []byte {
	nonce := make([]byte, s.grace.NonceSize())
	_, _ = rand.Read(nonce)
	return s.grace.Seal(nonce, nonce, plain, aad)
}

func (s *service) open(sealed, aad []byte) ([]byte, error) {
	n := s.grace.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("short grace reply")
	}
	return s.grace.Open(nil, sealed[:n], sealed[n:], aad)
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
