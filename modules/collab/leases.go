package collab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/redis"
)

// leases count open sockets per user and per document across every
// instance, for MaxConnsPerUser and MaxConnsPerDocument: a sorted set per
// user and per document, one member per socket, scored with the time its
// lease ends. Instances renew the leases of their sockets every third of
// Timing.Lease, so the sockets of an instance that died stop counting
// within one lease, without anyone cleaning up after it.
type leases struct {
	h    *hub
	rdb  *redis.Client
	keys redis.Keys
}

func newLeases(h *hub, rdb *redis.Client, keys redis.Keys) *leases {
	return &leases{h: h, rdb: rdb, keys: keys}
}

func (l *leases) userKey(id uuid.UUID) string {
	return l.keys.Key("collab", "conns", "user", id.String())
}
func (l *leases) docKey(id uuid.UUID) string {
	return l.keys.Key("collab", "{"+id.String()+"}", "conns")
}

func (l *leases) member(c *conn) string { return l.h.instance + ":" + strconv.FormatUint(c.id, 10) }

// acquireScript drops ended leases, then adds the socket to both sets unless
// one is full: it returns 0 (added), 1 (the user's set is full) or 2 (the
// document's set is full).
var acquireScript = goredis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 0
`)

// Reasons acquire gives.
var (
	errTooManyForUser = errors.New("too many open documents for this user")
	errTooManyForDoc  = errors.New("too many people on this chapter")
)

// acquire counts c toward its user's and document's limits, or says which
// one is reached.
func (l *leases) acquire(ctx context.Context, c *conn) error {
	now := l.h.now()
	lease := l.h.timing.Lease
	res, err := acquireScript.Run(ctx, l.rdb,
		[]string{l.userKey(c.sess.userID), l.docKey(c.sess.chapterID)},
		l.member(c), now.UnixMilli(), now.Add(lease).UnixMilli(),
		l.h.limits.MaxConnsPerUser, l.h.limits.MaxConnsPerDocument, (2 * lease).Milliseconds(),
	).Int()
	if err != nil {
		return fmt.Errorf("count connections: %w", err)
	}
	switch res {
	case 1:
		return errTooManyForUser
	case 2:
		return errTooManyForDoc
	}
	return nil
}

// release stops counting c.
func (l *leases) release(c *conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pipe := l.rdb.Pipeline()
	pipe.ZRem(ctx, l.userKey(c.sess.userID), l.member(c))
	pipe.ZRem(ctx, l.docKey(c.sess.chapterID), l.member(c))
	_, _ = pipe.Exec(ctx) // a lease that stays ends by itself
}

// renew extends the leases of conns.
func (l *leases) renew(ctx context.Context, conns []*conn) {
	if len(conns) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	now := l.h.now()
	until := float64(now.Add(l.h.timing.Lease).UnixMilli())
	keep := 2 * l.h.timing.Lease
	pipe := l.rdb.Pipeline()
	for _, c := range conns {
		m := goredis.Z{Score: until, Member: l.member(c)}
		// Plain ZADD, not XX: after a Redis restart lost the sets, renewing
		// counts the open sockets again. (A socket that closed since the
		// list was taken comes back for one lease at most.)
		pipe.ZAdd(ctx, l.userKey(c.sess.userID), m)
		pipe.ZAdd(ctx, l.docKey(c.sess.chapterID), m)
		pipe.PExpire(ctx, l.userKey(c.sess.userID), keep)
		pipe.PExpire(ctx, l.docKey(c.sess.chapterID), keep)
	}
	if _, err := pipe.Exec(ctx); err != nil && ctx.Err() == nil {
		l.h.log.Warn("collab: renewing connection leases failed", "error", err.Error())
	}
}
