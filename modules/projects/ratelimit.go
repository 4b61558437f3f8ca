package projects

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/redis"
)

// addLimiter throttles member additions per owner. Adding a member by email
// tells the owner whether an account exists, so without a limit any user
// could create a project and test addresses in bulk.
type addLimiter struct {
	gcra  *redis_rate.Limiter
	keys  redis.Keys
	limit redis_rate.Limit
}

func newAddLimiter(rdb *redis.Client, keys redis.Keys, perHour int) *addLimiter {
	if rdb == nil {
		return nil
	}
	if perHour <= 0 {
		perHour = DefaultMemberAddsPerHour
	}
	return &addLimiter{gcra: redis_rate.NewLimiter(rdb), keys: keys,
		limit: redis_rate.Limit{Rate: perHour, Burst: perHour, Period: time.Hour}}
}

// allow spends one addition from userID's allowance. When Redis cannot
// answer it refuses (503): an unthrottled account oracle is worse than a
// short outage of adding members, and nothing else depends on it.
func (l *addLimiter) allow(ctx context.Context, userID uuid.UUID) error {
	if l == nil {
		return nil
	}
	res, err := l.gcra.Allow(ctx, l.keys.Key("rl", "project-member-add", userID.String()), l.limit)
	if err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Detail: "adding members is temporarily unavailable; try again shortly",
			RetryAfter: redis.RetryAfter, Err: fmt.Errorf("member add rate limit: %w", err)}
	}
	if res.Allowed == 0 {
		return &apperr.Error{Kind: apperr.RateLimited, Detail: "too many member additions; wait before adding more",
			RetryAfter: max(res.RetryAfter, time.Second)}
	}
	return nil
}
