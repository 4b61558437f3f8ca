package ai

import (
	"context"
	"fmt"
	"strconv"
	"sync"
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
// estimate and corrected to the real count after it). A call asks for both,
// and for its cached answer, in one round trip (begin), and settles its
// tokens and keeps its answer in another.
type allowance struct {
	gcra   *redis_rate.Limiter
	rdb    *redis.Client
	keys   redis.Keys
	hourly redis_rate.Limit
	daily  int64
	now    func() time.Time
	// settling counts each user's settlements still on their way to Redis
	// (see settle), so a reading of their allowance waits for them.
	settling settlements
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

// reservation is tokens set aside for one call; settle corrects them to
// what the call used.
type reservation struct {
	a    *allowance
	user uuid.UUID
	key  string
	held int64
}

// settle replaces the reservation by the tokens the call used (zero gives
// it all back) and, in the same round trip, runs keep (the cache's writes)
// when set. The answer does not wait for it: the round trip runs in the
// background with a short context of its own. Until it lands the user's
// count still holds the estimate, which only errs on the safe side; the
// answer is in the process's near cache at once (keep), and a reading of
// the allowance (status) waits for it.
func (r *reservation) settle(used int, keep func(goredis.Pipeliner)) {
	if r == nil {
		return
	}
	d := int64(used) - r.held
	if d == 0 && keep == nil {
		return
	}
	done := r.a.settling.start(r.user)
	go func() {
		defer done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		pipe := r.a.rdb.Pipeline()
		if d != 0 {
			pipe.IncrBy(ctx, r.key, d) // a lost correction errs by one estimate, for a day
		}
		if keep != nil {
			keep(pipe)
		}
		_, _ = pipe.Exec(ctx) // a lost cache write costs a later miss
	}()
}

// settlements tracks, per user, the settlements not yet in Redis.
type settlements struct {
	mu      sync.Mutex
	pending map[uuid.UUID]*userSettlements
}

type userSettlements struct {
	n    int
	done chan struct{} // closed when n is back to zero
}

// start counts one settlement of user's; the returned func ends it.
func (s *settlements) start(user uuid.UUID) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[uuid.UUID]*userSettlements{}
	}
	u := s.pending[user]
	if u == nil {
		u = &userSettlements{done: make(chan struct{})}
		s.pending[user] = u
	}
	u.n++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if u.n--; u.n == 0 {
			close(u.done)
			delete(s.pending, user)
		}
	}
}

// wait returns once user's settlements started so far have landed, or ctx
// ends.
func (s *settlements) wait(ctx context.Context, user uuid.UUID) {
	s.mu.Lock()
	u := s.pending[user]
	s.mu.Unlock()
	if u == nil {
		return
	}
	select {
	case <-u.done:
	case <-ctx.Done():
	}
}

// beginScript is everything a call asks Redis before the provider, in one
// round trip: the cached answer (KEYS[1], unless ARGV[1] is 0); else the
// day's tokens (KEYS[3]: ARGV[6] more must fit in ARGV[7]) and one request
// of the hourly allowance (KEYS[2], a GCRA exactly as redis_rate keeps it,
// so status reads it with redis_rate; skipped when ARGV[2] is 0), taken
// together or not at all. It answers {"hit", answer}, {"tokens", used},
// {"rate", seconds to wait} or {"ok"}.
var beginScript = goredis.NewScript(`
redis.replicate_commands()
if ARGV[1] == '1' then
  local v = redis.call('GET', KEYS[1])
  if v then return {'hit', v} end
end
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local n = tonumber(ARGV[6])
if used + n > tonumber(ARGV[7]) then return {'tokens', tostring(used)} end
if ARGV[2] == '1' then
  local emission_interval = tonumber(ARGV[5]) / tonumber(ARGV[4])
  local burst_offset = emission_interval * tonumber(ARGV[3])
  local now = redis.call('TIME')
  now = (now[1] - 1483228800) + (now[2] / 1000000)
  local tat = redis.call('GET', KEYS[2])
  if not tat then tat = now else tat = tonumber(tat) end
  tat = math.max(tat, now)
  local new_tat = tat + emission_interval
  local diff = now - (new_tat - burst_offset)
  if diff < 0 then return {'rate', tostring(-diff)} end
  local reset_after = new_tat - now
  if reset_after > 0 then redis.call('SET', KEYS[2], new_tat, 'EX', math.ceil(reset_after)) end
end
redis.call('INCRBY', KEYS[3], n)
redis.call('EXPIRE', KEYS[3], ARGV[8])
return {'ok'}`)

// begin asks Redis, in one round trip, for the cached answer under
// cacheKey (when useCache), else spends one request (when spend) and
// reserves estimate tokens. A hit returns the cached value and spends
// nothing.
func (a *allowance) begin(ctx context.Context, user uuid.UUID, cacheKey string, useCache, spend bool, estimate int) (hit []byte, held *reservation, err error) {
	now := a.now()
	tokKey := a.tokenKey(user, now)
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	res, err := beginScript.Run(ctx, a.rdb, []string{cacheKey, "rate:" + a.requestKey(user), tokKey},
		flag(useCache), flag(spend), a.hourly.Burst, a.hourly.Rate, a.hourly.Period.Seconds(),
		estimate, a.daily, int((48 * time.Hour).Seconds())).StringSlice()
	if err != nil || len(res) == 0 {
		return nil, nil, unavailable(fmt.Errorf("ai allowance: %w", err))
	}
	switch res[0] {
	case "hit":
		return []byte(res[1]), nil, nil
	case "tokens":
		return nil, nil, &apperr.Error{Kind: apperr.RateLimited, RetryAfter: untilTomorrow(now),
			Detail: fmt.Sprintf("today's AI token budget (%d tokens) is spent; it renews at midnight UTC", a.daily)}
	case "rate":
		secs, _ := strconv.ParseFloat(res[1], 64)
		return nil, nil, &apperr.Error{Kind: apperr.RateLimited, RetryAfter: max(time.Duration(secs*float64(time.Second)), time.Second),
			Detail: fmt.Sprintf("at most %d AI requests an hour; answers already given are served again for free", a.hourly.Rate)}
	}
	return nil, &reservation{a: a, user: user, key: tokKey, held: int64(estimate)}, nil
}

// status reads user's allowance without spending it.
func (a *allowance) status(ctx context.Context, user uuid.UUID) (requestsLeft int, nextRequest time.Duration, tokensUsed int64, err error) {
	a.settling.wait(ctx, user)
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
