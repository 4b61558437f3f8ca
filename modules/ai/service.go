package ai

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/material"
	"github.com/thebrain/thebrain/platform/roles"
)

// service holds the operations' rules: who may ask, what goes into a
// prompt, the cache, the allowances, the record of every call.
type service struct {
	log      *slog.Logger
	pool     *pgxpool.Pool
	q        *store.Queries
	guard    *access.Guard
	chapters Chapters
	notes    Notes
	jobs     Jobs
	chains   map[Operation]*provider.Chain
	budgets  Budgets
	limits   Limits
	allow    *allowance
	cache    *answerCache
	rec      *recorder
	buffered bool
	now      func() time.Time
}

func newService(d Deps) *service {
	if d.Now == nil {
		d.Now = time.Now
	}
	b := d.Budgets
	if b.Sync <= 0 {
		b.Sync = DefaultSyncBudget
	}
	if b.Stream <= 0 {
		b.Stream = DefaultStreamBudget
	}
	if b.JobCall <= 0 {
		b.JobCall = DefaultJobCallBudget
	}
	if b.KeepAlive <= 0 {
		b.KeepAlive = DefaultKeepAlive
	}
	l := d.Limits
	if l.HourlyRequests <= 0 {
		l.HourlyRequests = DefaultHourlyRequests
	}
	if l.DailyTokens <= 0 {
		l.DailyTokens = DefaultDailyTokens
	}
	if l.CacheTTL <= 0 {
		l.CacheTTL = DefaultCacheTTL
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	chains := map[Operation]*provider.Chain{}
	for op, c := range d.Chains {
		if c != nil && len(c.Links()) > 0 {
			chains[op] = c
		}
	}
	return &service{
		log: log, pool: d.DB, q: store.New(d.DB), guard: d.Guard,
		chapters: d.Chapters, notes: d.Notes, jobs: d.Jobs, chains: chains,
		budgets: b, limits: l, buffered: d.Buffered, now: d.Now,
		allow: newAllowance(d.Redis, d.Keys, l, d.Now),
		cache: &answerCache{rdb: d.Redis, keys: d.Keys, ttl: l.CacheTTL, log: log, near: newNearCache(l.CacheTTL, d.Now)},
		rec:   newRecorder(store.New(d.DB), log),
	}
}

// errNotConfigured answers every operation while no provider is
// configured. The server runs without AI; the detail names what to set.
var errNotConfigured = &apperr.Error{
	Kind:       apperr.Unavailable,
	Detail:     "no AI provider is configured: set THEBRAIN_ANTHROPIC_API_KEY, THEBRAIN_OPENAI_API_KEY, or THEBRAIN_OPENAI_BASE_URL for an OpenAI-compatible server such as Ollama (docs/ai.md)",
	RetryAfter: time.Minute,
}

var errChapterNotFound = apperr.New(apperr.NotFound, "chapter not found")

// configured answers 503 unless op has a provider chain.
func (s *service) configured(op Operation) error {
	if s.chains[op] == nil {
		return errNotConfigured
	}
	return nil
}

// authorize checks that userID may run AI on projectID: editor or above,
// and 404 for a book they cannot see (existence never leaks).
func (s *service) authorize(ctx context.Context, userID, projectID uuid.UUID) (access.Grant, error) {
	return s.guard.Check(ctx, userID, projectID, roles.Editor)
}

// chapter returns a live chapter of the grant's book, or 404 for any
// chapter elsewhere or nowhere.
func (s *service) chapter(ctx context.Context, g access.Grant, id uuid.UUID) (material.Chapter, error) {
	ch, ok, err := s.chapters.ChapterText(ctx, g.ProjectID, id)
	if err != nil {
		return material.Chapter{}, err
	}
	if !ok {
		return material.Chapter{}, errChapterNotFound
	}
	return ch, nil
}
