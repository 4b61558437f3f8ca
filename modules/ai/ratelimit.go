package ai

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/redis"
)

// allowance holds the two per-user limits: AI requests per hour (GCRA, so a
// user gets their hourly allowance as a burst and it refills evenly) and
// tokens per UTC day (a counter per day, reserved before a call at the
// estimate and corrected to the real count after it).
type allowance struct {
	gcra   *redis_rate.Limiter
	rdb    *redis.Client
	keys   redis.Keys
	hourly redis_rate.Limit
	daily  int64
	now    func() time.Time
}

func newAllowance(rdb *redis.Client, keys redis.Keys, l Limits, now func() time.Time) *allowance {
	return &allowance{
		gcra: redis_rate.NewLimiter(rdb), rdb: rdb, keys: keys, daily: l.DailyTokens, now: now,
		hourly: redis_rate.Limit{Rate: l.HourlyRequests, Burst: l.HourlyRequests, Period: time.Hour},
	}
}

func (a *allowance) requestKey(user uuid.UUID) string { return a.keys.Key("ai", "req", user.String()) }

func (a *allowance) tokenKey(user uuid.UUID, day time.Time) string {
	return a.keys.Key("ai", "tok", user.String(), day.UTC().Format("20060102"))
}

// unavailable is the answer when Redis cannot say whether a user may spend:
// the AI costs money, so it waits for Redis rather than run unmetered.
func unavailable(err error) error {
	return &apperr.Error{Kind: apperr.Unavailable, Detail: "the AI allowance cannot be checked right now; try again shortly",
		RetryAfter: redis.RetryAfter, Err: err}
}

// spendRequest takes one request from user's hourly allowance, or answers
// 429 with the wait until the next.
func (a *allowance) spendRequest(ctx context.Context, user uuid.UUID) error {
	res, err := a.gcra.Allow(ctx, a.requestKey(user), a.hourly)
	if err != nil {
		return unavailable(fmt.Errorf("ai request limit: %w", err))
	}
	if res.Allowed == 0 {
		return &apperr.Error{Kind: apperr.RateLimited, RetryAfter: max(res.RetryAfter, time.Second),
			Detail: fmt.Sprintf("at most %d AI requests an hour; answers already given are served again for free", a.hourly.Rate)}
	}
	return nil
}

// reserveScript adds ARGV[1] tokens to the day's count unless that passes
// ARGV[2]; it answers {allowed, count}.
var reserveScript = goredis.NewScript(`
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[1])
if used + n > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], n)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, used}`)

// reservation is tokens set aside for one call; settle corrects them to
// what the call used.
type reservation struct {
	a    *allowance
	key  string
	held int64
}

// reserveTokens sets aside estimate tokens of user's daily budget, or
// answers 429 until the next UTC day.
func (a *allowance) reserveTokens(ctx context.Context, user uuid.UUID, estimate int) (*reservation, error) {
	now := a.now()
	key := a.tokenKey(user, now)
	res, err := reserveScript.Run(ctx, a.rdb, []string{key}, estimate, a.daily, int((48 * time.Hour).Seconds())).Int64Slice()
	if err != nil {
		return nil, unavailable(fmt.Errorf("ai token budget: %w", err))
	}
	if res[0] == 0 {
		return nil, &apperr.Error{Kind: apperr.RateLimited, RetryAfter: untilTomorrow(now),
			Detail: fmt.Sprintf("today's AI token budget (%d tokens) is spent; it renews at midnight UTC", a.daily)}
	}
	return &reservation{a: a, key: key, held: int64(estimate)}, nil
}

// settle replaces the reservation by the tokens the call used (zero gives
// it all back). It runs after the request's own context may have ended, so
// it takes a short one of its own.
func (r *reservation) settle(used int) {
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if d := int64(used) - r.held; d != 0 {
		_ = r.a.rdb.IncrBy(ctx, r.key, d).Err() // a lost correction errs by one estimate, for a day
	}
}

// status reads user's allowance without spending it.
func (a *allowance) status(ctx context.Context, user uuid.UUID) (requestsLeft int, nextRequest time.Duration, tokensUsed int64, err error) {
	res, err := a.gcra.AllowN(ctx, a.requestKey(user), a.hourly, 0)
	if err != nil {
		return 0, 0, 0, unavailable(fmt.Errorf("ai request limit: %w", err))
	}
	used, err := a.rdb.Get(ctx, a.tokenKey(user, a.now())).Int64()
	if err != nil && err != redis.Nil {
		return 0, 0, 0, unavailable(fmt.Errorf("ai token budget: %w", err))
	}
	next := time.Duration(0)
	if res.Remaining == 0 {
		next = max(res.RetryAfter, 0)
		if next == 0 {
			next = a.hourly.Period / time.Duration(a.hourly.Rate)
		}
	}
	return res.Remaining, next, used, nil
}

func untilTomorrow(now time.Time) time.Duration {
	now = now.UTC()
	tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	return tomorrow.Sub(now)
}
