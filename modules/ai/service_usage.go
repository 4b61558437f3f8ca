package ai

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
	"github.com/thebrain/thebrain/modules/ai/provider"
)

func insertParams(id uuid.UUID, c call, prov, model string, u provider.Usage, cacheHit bool, attempts int, fellBack bool, latency time.Duration, outcome string) store.InsertRequestParams {
	p := store.InsertRequestParams{
		ID: id, UserID: c.user, JobID: c.jobID, Operation: string(c.op), Provider: prov, Model: model,
		TemplateID: c.prompt.ID, TemplateVersion: int32(c.prompt.Version),
		InputTokens: int32(u.InputTokens), OutputTokens: int32(u.OutputTokens), CacheHit: cacheHit,
		Attempts: int16(min(attempts, 1000)), FallbackUsed: fellBack, LatencyMs: int32(latency.Milliseconds()), Outcome: outcome,
	}
	if c.project != uuid.Nil {
		p.ProjectID = &c.project
	}
	return p
}

// usage is a caller's use of the AI and what remains of their allowance.
type usage struct {
	HourlyLimit     int
	RequestsLeft    int
	NextRequestIn   time.Duration
	DailyTokens     int64
	TokensUsedToday int64
	ResetsAt        time.Time
	Today           []store.UsageByOperationRow
	Last30Days      []store.UsageByOperationRow
}

// Usage reads userID's allowance from Redis (what the limits will say) and
// their record from PostgreSQL (what they used).
func (s *service) Usage(ctx context.Context, userID uuid.UUID) (usage, error) {
	left, next, used, err := s.allow.status(ctx, userID)
	if err != nil {
		return usage{}, err
	}
	now := s.now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	today, err := s.q.UsageByOperation(ctx, store.UsageByOperationParams{UserID: userID, Since: midnight})
	if err != nil {
		return usage{}, fmt.Errorf("usage today: %w", err)
	}
	month, err := s.q.UsageByOperation(ctx, store.UsageByOperationParams{UserID: userID, Since: now.Add(-30 * 24 * time.Hour)})
	if err != nil {
		return usage{}, fmt.Errorf("usage of 30 days: %w", err)
	}
	return usage{
		HourlyLimit: s.limits.HourlyRequests, RequestsLeft: left, NextRequestIn: next,
		DailyTokens: s.limits.DailyTokens, TokensUsedToday: used, ResetsAt: midnight.Add(24 * time.Hour),
		Today: today, Last30Days: month,
	}, nil
}
