package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
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
// SQL); the module's own revocations reach the denylist (see Deliver).
const sessionOKTTL = 30 * time.Second

// Denylist is the Redis side of revocation, shared by the API's verifier and
// the Lambda authorizer. Keys are by session and user ID, never by a hash of
// the token (a JWT has many encodings of the same claims). Each revocation
// is also indexed in a sorted set and published, so processes that Follow
// the denylist can answer from memory (see replica.go).
//
// Redis is not the record of revocations: PostgreSQL is. A revocation is
// written to a RevocationLog in the transaction that revokes, delivered to
// Redis after the commit, and drained from the log by every process until
// Redis has it (see drain.go). A positive cached answer is trusted only
// while this process has recently confirmed that the log holds nothing
// undelivered.
type Denylist struct {
	rdb   *redis.Client
	keys  redis.Keys
	local *replica
	log   RevocationLog    // nil: nothing to drain (the authorizer, tests)
	now   func() time.Time // the clock of cached answers' ends

	draining     atomic.Bool  // the background drain loop runs (Follow)
	drainAttempt atomic.Int64 // unix ns of the last drain pass started
	drained      atomic.Int64 // unix ns at which the last complete pass started
}

// NewDenylist returns a denylist under keys. It asks Redis on every check
// until Follow has made its in-process copy current.
func NewDenylist(rdb *redis.Client, keys redis.Keys) *Denylist {
	return &Denylist{rdb: rdb, keys: keys, local: newReplica(), now: time.Now}
}

// WithLog makes the denylist deliver and drain the durable revocations of
// log. Call it before the denylist is used.
func (d *Denylist) WithLog(log RevocationLog) *Denylist {
	d.log = log
	return d
}

// WithClock sets the clock that ends cached answers and denials (tests).
// Heartbeats and drains keep real time. Call it before the denylist is used.
func (d *Denylist) WithClock(now func() time.Time) *Denylist {
	d.now = now
	return d
}

func (d *Denylist) sidKey(id uuid.UUID) string { return d.keys.Key("deny", "sid", id.String()) }
func (d *Denylist) uidKey(id uuid.UUID) string { return d.keys.Key("deny", "uid", id.String()) }
func (d *Denylist) okKey(id uuid.UUID) string  { return d.keys.Key("sess_ok", id.String()) }
func (d *Denylist) indexKey() string           { return d.keys.Key("deny", "index") }
func (d *Denylist) channel() string            { return d.keys.Key("deny", "events") }

// Revocation is one revocation: of a session or of a user (exactly one of
// the two is set). ID is its row in the RevocationLog (0: not logged).
type Revocation struct {
	ID      int64
	Session uuid.UUID
	User    uuid.UUID
}

// entry is the revocation as the index and the channel carry it.
func (r Revocation) entry() string {
	if r.Session != uuid.Nil {
		return "s:" + r.Session.String()
	}
	return "u:" + r.User.String()
}

// RevocationLog is the durable record of revocations not yet known to be
// in Redis. The auth module adds a row in the transaction that revokes;
// Deliver deletes it once Redis has the revocation.
type RevocationLog interface {
	// PendingRevocations returns up to limit rows, oldest first.
	PendingRevocations(ctx context.Context, limit int) ([]Revocation, error)
	DeleteRevocations(ctx context.Context, ids []int64) error
}

// DenySessions makes every access token of the sessions stop verifying, and
// drops their cached positive answers.
func (d *Denylist) DenySessions(ctx context.Context, ids ...uuid.UUID) error {
	revs := make([]Revocation, 0, len(ids))
	for _, id := range ids {
		revs = append(revs, Revocation{Session: id})
	}
	return d.Deliver(ctx, revs)
}

// DenyUser makes every access token of the user stop verifying (a disabled
// or deleted account).
func (d *Denylist) DenyUser(ctx context.Context, id uuid.UUID) error {
	return d.Deliver(ctx, []Revocation{{User: id}})
}

// Deliver applies revocations to this process's copy at once, writes them
// to Redis, and then deletes the logged ones from the log. When Redis fails
// the logged ones stay in the log, and the drain delivers them.
func (d *Denylist) Deliver(ctx context.Context, revs []Revocation) error {
	// A revocation drained late is still denied for the full DenyTTL from
	// now: longer than needed, never shorter.
	if err := d.deny(ctx, revs, d.now().Add(DenyTTL)); err != nil {
		return err
	}
	var ids []int64
	for _, r := range revs {
		if r.ID != 0 {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 || d.log == nil {
		return nil
	}
	if err := d.log.DeleteRevocations(ctx, ids); err != nil {
		return fmt.Errorf("delete delivered revocations: %w", err) // harmless: delivered again later
	}
	return nil
}

// deny applies revs to this process's copy at once, then writes keys,
// index and publications in one transaction: the index entry exists before
// any follower can hear of it, and the keys serve processes that do not
// follow. Sessions also lose their cached positive answers.
func (d *Denylist) deny(ctx context.Context, revs []Revocation, until time.Time) error {
	if len(revs) == 0 {
		return nil
	}
	for _, r := range revs {
		_ = d.local.apply(r.entry(), until) // entries are built by entry(): always valid
	}
	_, err := d.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, r := range revs {
			if r.Session != uuid.Nil {
				p.Set(ctx, d.sidKey(r.Session), "1", DenyTTL)
				p.Del(ctx, d.okKey(r.Session))
			} else {
				p.Set(ctx, d.uidKey(r.User), "1", DenyTTL)
			}
			p.ZAdd(ctx, d.indexKey(), goredis.Z{Score: float64(until.UnixMilli()), Member: r.entry()})
			p.Publish(ctx, d.channel(), r.entry())
		}
		return nil
	})
	return err
}

// Denied reports whether the session or the user is on the denylist: from
// memory while the in-process copy is current, otherwise in one round trip
// to Redis. sessionOK is true when a recent database check found the
// session live, and this process has confirmed that no revocation is
// waiting in the log. An error means Redis could not answer.
func (d *Denylist) Denied(ctx context.Context, sessionID, userID uuid.UUID) (denied, sessionOK bool, err error) {
	now := d.now()
	if d.local.live.Load() {
		denied, sessionOK = d.local.check(sessionID, userID, now)
		return denied, sessionOK && d.drainedRecently(), nil
	}
	vals, err := d.rdb.MGet(ctx, d.sidKey(sessionID), d.uidKey(userID), d.okKey(sessionID)).Result()
	if err != nil {
		return false, false, err
	}
	cached, _ := vals[2].(string)
	return vals[0] != nil || vals[1] != nil, okAnswerHolds(cached, userID, now) && d.drainedRecently(), nil
}

// okAnswer is a cached positive answer as Redis keeps it: the user it was
// given for and when it ends, checked here rather than left to the key's
// TTL (a Redis that does not expire keys must not make it last forever).
func okAnswer(userID uuid.UUID, until time.Time) string {
	return userID.String() + ":" + strconv.FormatInt(until.UnixMilli(), 10)
}

func okAnswerHolds(v string, userID uuid.UUID, now time.Time) bool {
	user, ms, found := strings.Cut(v, ":")
	until, err := strconv.ParseInt(ms, 10, 64)
	return found && err == nil && user == userID.String() && now.UnixMilli() < until
}

// markSessionOK caches a positive database answer for sessionOKTTL, where
// Denied will look for it.
func (d *Denylist) markSessionOK(ctx context.Context, sessionID, userID uuid.UUID) error {
	until := d.now().Add(sessionOKTTL)
	if d.local.live.Load() {
		d.local.markOK(sessionID, userID, until)
		return nil
	}
	return d.rdb.Set(ctx, d.okKey(sessionID), okAnswer(userID, until), sessionOKTTL).Err()
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
// costs one indexed query (and no wait: the client's breaker fails at
// once), but a revoked token is never accepted.
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

// sessionCheckTimeout bounds the database check of a session (a lookup by
// key); past it the request gets 503.
const sessionCheckTimeout = 5 * time.Second

// Verify implements Verifier.
func (v *RevocationVerifier) Verify(ctx context.Context, raw string) (Principal, error) {
	c, err := v.tokens.Verify(ctx, raw)
	if err != nil {
		return Principal{}, Unauthenticated(err)
	}
	p := Principal{UserID: c.UserID, SessionID: c.SessionID, Expires: c.Expiry}
	// A process that does not follow (Lambda) has no drain running in the
	// background: it drains here, at most once per drainEvery.
	v.deny.drainIfDue(ctx)
	denied, ok, redisErr := v.deny.Denied(ctx, c.SessionID, c.UserID)
	switch {
	case redisErr != nil:
		// Redis is down: fall back to the database, which holds every
		// revocation too. Slower, never wrong. While the breaker is open
		// it has logged the outage once; no line per request.
		if !errors.Is(redisErr, redis.ErrUnavailable) {
			v.log.WarnContext(ctx, "denylist unavailable, checking the session in the database", slog.String("error", redisErr.Error()))
		}
	case denied:
		return Principal{}, Unauthenticated(errors.New("session revoked"))
	case ok:
		return p, nil
	}
	// Authentication runs before a route's request timeout: a database that
	// stopped answering (a frozen connection) must not hold the request.
	cctx, cancel := context.WithTimeout(ctx, sessionCheckTimeout)
	err = v.sessions.CheckSession(cctx, c.UserID, c.SessionID)
	cancel()
	if err != nil {
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
