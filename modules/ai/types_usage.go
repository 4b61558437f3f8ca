package ai

import (
	"math"
	"time"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
)

// usageAnswer is GET /api/v1/ai/usage.
type usageAnswer struct {
	Requests struct {
		HourlyLimit int `json:"hourly_limit"`
		Remaining   int `json:"remaining"`
		// NextInSeconds is the wait until the next request is allowed (0
		// while some remain).
		NextInSeconds int `json:"next_in_seconds"`
	} `json:"requests"`
	Tokens struct {
		DailyBudget int64     `json:"daily_budget"`
		UsedToday   int64     `json:"used_today"`
		Remaining   int64     `json:"remaining"`
		ResetsAt    time.Time `json:"resets_at"`
	} `json:"tokens"`
	Today      usagePeriod `json:"today"`
	Last30Days usagePeriod `json:"last_30_days"`
}

// usagePeriod sums a period, in all and per operation.
type usagePeriod struct {
	usageCounts
	ByOperation map[string]usageCounts `json:"by_operation"`
}

type usageCounts struct {
	Requests     int64 `json:"requests"`
	CacheHits    int64 `json:"cache_hits"`
	Failures     int64 `json:"failures"`
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
}

func toUsagePeriod(rows []store.UsageByOperationRow) usagePeriod {
	p := usagePeriod{ByOperation: map[string]usageCounts{}}
	for _, r := range rows {
		c := usageCounts{Requests: r.Requests, CacheHits: r.CacheHits, Failures: r.Failures, InputTokens: r.InputTokens, OutputTokens: r.OutputTokens}
		p.ByOperation[r.Operation] = c
		p.Requests += c.Requests
		p.CacheHits += c.CacheHits
		p.Failures += c.Failures
		p.InputTokens += c.InputTokens
		p.OutputTokens += c.OutputTokens
	}
	return p
}

func toUsageAnswer(u usage) usageAnswer {
	var a usageAnswer
	a.Requests.HourlyLimit, a.Requests.Remaining = u.HourlyLimit, u.RequestsLeft
	a.Requests.NextInSeconds = int(math.Ceil(u.NextRequestIn.Seconds()))
	a.Tokens.DailyBudget, a.Tokens.UsedToday, a.Tokens.ResetsAt = u.DailyTokens, u.TokensUsedToday, u.ResetsAt
	a.Tokens.Remaining = max(0, u.DailyTokens-u.TokensUsedToday)
	a.Today, a.Last30Days = toUsagePeriod(u.Today), toUsagePeriod(u.Last30Days)
	return a
}
