package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/token"
)

// DenyTTL is how long a revocation must be remembered: an access token
// issued just before it stays verifiable for its lifetime plus the skew.
const DenyTTL = token.Lifetime + token.Skew

// sessionOKTTL bounds how long a positive database answer ("this session
// and its user are live") is trusted. It only matters for changes made
// without going through the auth module (an operator disabling a user in
// SQL); the module's own revocations write the denylist at once.
const sessionOKTTL = 30 * time.Second

// Denylist is the Redis side of revocation, shared by the API's verifier and
// the Lambda authorizer. Keys are by session and user ID, never by a hash of
// the token (a JWT has many encodings of the same claims). Each revocation
// is also indexed in a sorted set and published, so processes that Follow
// the denylist can answer from memory (see replica.go).
type Denylist struct {
	rdb   *redis.Client
	keys  redis.Keys
	local *replica
}

// NewDenylist returns a denylist under keys. It asks Redis on every check
// until Follow has made its in-process copy current.
func NewDenylist(rdb *redis.Client, keys redis.Keys) *Denylist {
	return &Denylist{rdb: rdb, keys: keys, local: newReplica()}
}

func (d *Denylist) sidKey(id uuid.UUID) string { return d.keys.Key("deny", "sid", id.String()) }
func (d *Denylist) uidKey(id uuid.UUID) string { return d.keys.Key("deny", "uid", id.String()) }
func (d *Denylist) okKey(id uuid.UUID) string  { return d.keys.Key("sess_ok", id.String()) }
func (d *Denylist) indexKey() string           { return d.keys.Key("deny", "index") }
func (d *Denylist) channel() string            { return d.keys.Key("deny", "events") }

// DenySessions makes every access token of the sessions stop verifying, and
// drops their cached positive answers.
func (d *Denylist) DenySessions(ctx context.Context, ids ...uuid.UUID) error {
	entries := make([]string, 0, len(ids))
	for _, id := range ids {
		entries = append(entries, "s:"+id.String())
	}
	return d.deny(ctx, entries, func(p goredis.Pipeliner) {
		for _, id := range ids {
			p.Set(ctx, d.sidKey(id), "1", DenyTTL)
			p.Del(ctx, d.okKey(id))
		}
	})
}

// DenyUser makes every access token of the user stop verifying (a disabled
// or deleted account).
func (d *Denylist) DenyUser(ctx context.Context, id uuid.UUID) error {
	return d.deny(ctx, []string{"u:" + id.String()}, func(p goredis.Pipeliner) {
		p.Set(ctx, d.uidKey(id), "1", DenyTTL)
	})
}

// deny applies entries to this process's copy at once, then writes keys,
// index and publications in one transaction: the index entry exists before
// any follower can hear of it, and the keys serve processes that do not
// follow.
func (d *Denylist) deny(ctx context.Context, entries []string, keys func(goredis.Pipeliner)) error {
	if len(entries) == 0 {
		return nil
	}
	until := time.Now().Add(DenyTTL)
	for _, e := range entries {
		_ = d.local.apply(e, until) // entries are built above: always valid
	}
	_, err := d.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		keys(p)
		for _, e := range entries {
			p.ZAdd(ctx, d.indexKey(), goredis.Z{Score: float64(until.UnixMilli()), Member: e})
			p.Publish(ctx, d.channel(), e)
		}
		return nil
	})
	return err
}

// Denied reports whether the session or the user is on the denylist: from
// memory while the in-process copy is current, otherwise in one round trip
// to Redis. sessionOK is true when a recent database check found the
// session live. An error means Redis could not answer.
func (d *Denylist) Denied(ctx context.Context, sessionID, userID uuid.UUID) (denied, sessionOK bool, err error) {
	if d.local.live.Load() {
		denied, sessionOK = d.local.check(sessionID, userID, time.Now())
		return denied, sessionOK, nil
	}
	vals, err := d.rdb.MGet(ctx, d.sidKey(sessionID), d.uidKey(userID), d.okKey(sessionID)).Result()
	if err != nil {
		return false, false, err
	}
	owner, _ := vals[2].(string) // the cached answer is for this user only
	return vals[0] != nil || vals[1] != nil, owner == userID.String(), nil
}

// markSessionOK caches a positive database answer for sessionOKTTL, where
// Denied will look for it.
func (d *Denylist) markSessionOK(ctx context.Context, sessionID, userID uuid.UUID) error {
	if d.local.live.Load() {
		d.local.markOK(sessionID, userID, time.Now().Add(sessionOKTTL))
		return nil
	}
	return d.rdb.Set(ctx, d.okKey(sessionID), userID.String(), sessionOKTTL).Err()
}

// SessionChecker is the authoritative (database) answer: nil when the
// session exists, is not revoked, belongs to userID and the user is neither
// disabled nor deleted; an Unauthenticated apperr otherwise.
type SessionChecker interface {
	CheckSession(ctx context.Context, userID, sessionID uuid.UUID) error
}

// RevocationVerifier is the Verifier the server uses: signature and claims
// first (cheap, no I/O), then the denylist, then, when Redis has no recent
// positive answer or is down, the database. With Redis down every request
// costs one indexed query, but a revoked token is never accepted.
type RevocationVerifier struct {
	tokens   *token.Verifier
	deny     *Denylist
	sessions SessionChecker
	log      *slog.Logger
}

// NewRevocationVerifier combines the three checks.
func NewRevocationVerifier(tokens *token.Verifier, deny *Denylist, sessions SessionChecker, logger *slog.Logger) *RevocationVerifier {
	return &RevocationVerifier{tokens: tokens, deny: deny, sessions: sessions, log: logger}
}

// Verify implements Verifier.
func (v *RevocationVerifier) Verify(ctx context.Context, raw string) (Principal, error) {
	c, err := v.tokens.Verify(ctx, raw)
	if err != nil {
		return Principal{}, Unauthenticated(err)
	}
	p := Principal{UserID: c.UserID, SessionID: c.SessionID}
	denied, ok, redisErr := v.deny.Denied(ctx, c.SessionID, c.UserID)
	switch {
	case redisErr != nil:
		// Redis is down: fall back to the database, which holds every
		// revocation too. Slower, never wrong.
		v.log.WarnContext(ctx, "denylist unavailable, checking the session in the database", slog.String("error", redisErr.Error()))
	case denied:
		return Principal{}, Unauthenticated(errors.New("session revoked"))
	case ok:
		return p, nil
	}
	if err := v.sessions.CheckSession(ctx, c.UserID, c.SessionID); err != nil {
		if apperr.Is(err, apperr.Unauthenticated) {
			return Principal{}, err
		}
		return Principal{}, apperr.Wrap(apperr.Unavailable, "authentication is temporarily unavailable", fmt.Errorf("check session: %w", err))
	}
	// Cache the answer only where Redis just answered: while it is down the
	// write would fail too.
	if redisErr == nil {
		_ = v.deny.markSessionOK(ctx, c.SessionID, c.UserID) // a cache: failing to fill it is harmless
	}
	return p, nil
}
