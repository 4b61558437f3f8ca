package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/redis"
)

// limiter holds the two layers of brute-force protection, both in Redis and
// both checked before any password is hashed:
//   - per client IP (IPv6 bucketed to /64), a GCRA rate per action;
//   - per canonical email, an exponential soft lock after a few failures.
//     It is keyed by the address whether or not an account exists, so its
//     answers reveal nothing.
//
// When Redis is down, login, signup, refresh and password change fail
// closed with 503 and Retry-After: an unthrottled password oracle is worse
// than a short outage of sign-in, and already signed-in users keep working
// (token verification falls back to the database).
type limiter struct {
	rdb     *redis.Client
	keys    redis.Keys
	gcra    *redis_rate.Limiter
	perIP   redis_rate.Limit
	free    int           // failures allowed before the first lock
	base    time.Duration // first lock; doubles with each further failure
	maxLock time.Duration
	now     func() time.Time
}

func newLimiter(rdb *redis.Client, keys redis.Keys, o Options) *limiter {
	return &limiter{
		rdb: rdb, keys: keys, gcra: redis_rate.NewLimiter(rdb),
		perIP: redis_rate.Limit{Rate: o.IPRatePerMinute, Burst: o.IPBurst, Period: time.Minute},
		free:  o.FreeFailures, base: firstLock, maxLock: maxLock, now: o.Now,
	}
}

// limiterDown is the answer when Redis cannot say whether a sign-in may go
// ahead. With Redis down the client's breaker answers at once, and finds a
// recovered Redis within about redis.RetryAfter.
func limiterDown(cause error) error {
	return &apperr.Error{Kind: apperr.Unavailable, Detail: "sign-in is temporarily unavailable; try again shortly",
		RetryAfter: redis.RetryAfter, Err: cause}
}

func rateLimited(retry time.Duration) error {
	return &apperr.Error{Kind: apperr.RateLimited, Detail: "too many attempts; wait before trying again", RetryAfter: max(retry, time.Second)}
}

// allowIP spends one request of action from the client's bucket.
func (l *limiter) allowIP(ctx context.Context, action, bucket string) error {
	res, err := l.gcra.Allow(ctx, l.keys.Key("rl", action, bucket), l.perIP)
	if err != nil {
		return limiterDown(fmt.Errorf("ip rate limit: %w", err))
	}
	if res.Allowed == 0 {
		return rateLimited(res.RetryAfter)
	}
	return nil
}

func (l *limiter) accountKey(kind, canonical string) string {
	sum := sha256.Sum256([]byte(canonical)) // no addresses in Redis key names
	return l.keys.Key(kind, hex.EncodeToString(sum[:16]))
}

// checkAccount refuses while the account is soft-locked. The lock holds its
// own end ("until", Unix ms), checked here: a Redis that does not expire
// keys must not make a lock last forever.
func (l *limiter) checkAccount(ctx context.Context, canonical string) error {
	v, err := l.rdb.Get(ctx, l.accountKey("lock", canonical)).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return limiterDown(fmt.Errorf("account lock: %w", err))
	}
	until, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil // not a lock this code wrote; the key expires on its own
	}
	if wait := time.UnixMilli(until).Sub(l.now()); wait > 0 {
		return rateLimited(wait)
	}
	return nil
}

// failScript counts a failure (the count lives an hour after the last one)
// and, past the free attempts, locks for base * 2^(extra failures): the lock
// key holds its end (ARGV[4] is now in Unix ms) and expires then too.
var failScript = goredis.NewScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 3600000)
local free = tonumber(ARGV[1])
if n > free then
  local ms = tonumber(ARGV[2]) * (2 ^ (n - free - 1))
  if ms > tonumber(ARGV[3]) then ms = tonumber(ARGV[3]) end
  ms = math.floor(ms)
  redis.call('SET', KEYS[2], string.format('%d', tonumber(ARGV[4]) + ms), 'PX', ms)
end
return n`)

// failed records a failed attempt on the account.
func (l *limiter) failed(ctx context.Context, canonical string) error {
	return failScript.Run(ctx, l.rdb, []string{l.accountKey("fail", canonical), l.accountKey("lock", canonical)},
		l.free, l.base.Milliseconds(), l.maxLock.Milliseconds(), l.now().UnixMilli()).Err()
}

// succeeded clears the account's failures.
func (l *limiter) succeeded(ctx context.Context, canonical string) error {
	return l.rdb.Del(ctx, l.accountKey("fail", canonical), l.accountKey("lock", canonical)).Err()
}
