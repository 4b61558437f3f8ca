package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
)

// call is one model call of an operation, ready to render.
type call struct {
	op      Operation
	user    uuid.UUID
	project uuid.UUID
	jobID   *uuid.UUID
	prompt  *prompt
	data    promptData
	// variants > 1 asks for several versions, split on variantMark.
	variants    int
	temperature float64
	schema      json.RawMessage
	schemaName  string
	// noCache skips the cache both ways (regenerate).
	noCache bool
	// quick, when set, is the request's quick key (see quickKey): a whole
	// answer is kept under it too.
	quick string
	// spend takes one request of the hourly allowance; a job's calls were
	// paid for when it was asked for.
	spend bool
	// valid, when set, checks a whole answer: one it refuses is recorded
	// as invalid_output, never cached, and returned with Invalid set.
	valid func(text string) error
}

// answer is the outcome of a call.
type answer struct {
	Text         string
	Variants     []string
	Usage        provider.Usage
	Cached       bool
	Provider     string
	Model        string
	FinishReason string
	ChapterID    *uuid.UUID
	// Invalid says what was wrong with an answer call.valid refused.
	Invalid string
}

// sink receives a streamed answer.
type sink interface {
	// begin is called once, right before the provider is asked (or the
	// cached answer is replayed): the point after which failures are
	// events, not statuses.
	begin() error
	// delta carries a piece of text of one version.
	delta(variant int, text string) error
}

// run makes one call: render the prompt, answer from the cache if the same
// user asked the same before, else spend the allowance, ask the provider
// chain (streaming to out when it is set), record the call and keep a
// whole answer in the cache.
func (s *service) run(ctx context.Context, c call, out sink) (answer, error) {
	chain := s.chains[c.op]
	if chain == nil {
		return answer{}, errNotConfigured
	}
	system, user, err := c.prompt.render(c.data)
	if err != nil {
		return answer{}, err
	}
	req := provider.Request{
		System: system, Messages: []provider.Message{{Role: provider.User, Content: user}},
		MaxTokens: MaxOutputTokens, Temperature: c.temperature, Schema: c.schema, SchemaName: c.schemaName,
	}
	key := s.cache.redisKey(cacheKey{
		User: c.user, Operation: c.op, Chain: chainNames(chain), Template: c.prompt.ID, Version: c.prompt.Version,
		System: req.System, Messages: req.Messages, MaxTokens: req.MaxTokens, Temperature: req.Temperature,
		Variants: c.variants, SchemaHash: hashSchema(c.schema),
	})
	if !c.noCache {
		if hit, ok := s.cache.near.get(key); ok {
			if c.quick != "" {
				s.cache.putQuick(ctx, c.quick, hit)
			}
			return s.replay(ctx, c, hit, out)
		}
	}
	estimate := estimateTokens(system) + estimateTokens(user) + MaxOutputTokens
	hitRaw, held, err := s.allow.begin(ctx, c.user, key, !c.noCache, c.spend, estimate)
	if err != nil {
		return answer{}, err
	}
	if hitRaw != nil {
		var hit cachedAnswer
		if err := json.Unmarshal(hitRaw, &hit); err == nil {
			if c.quick != "" {
				s.cache.putQuick(ctx, c.quick, hit) // the next time, before the context
			}
			return s.replay(ctx, c, hit, out)
		}
		// An entry we cannot read is a miss; the next answer replaces it.
		if _, held, err = s.allow.begin(ctx, c.user, key, false, c.spend, estimate); err != nil {
			return answer{}, err
		}
	}
	var resp provider.Response
	start := time.Now()
	if out != nil {
		if err := out.begin(); err != nil {
			held.settle(0, nil)
			return answer{}, err
		}
		split := newVariantSplitter(c.variants, out.delta)
		resp, err = chain.Stream(ctx, req, split.write)
		if err == nil {
			err = split.flush()
		}
	} else {
		resp, err = chain.Complete(ctx, req)
	}
	if err == nil && resp.Usage.Total() == 0 {
		// Some compatible servers report no usage: count it ourselves.
		resp.Usage = provider.Usage{InputTokens: estimateTokens(system) + estimateTokens(user), OutputTokens: estimateTokens(resp.Text)}
	}
	resp.Latency = time.Since(start)
	invalid := ""
	if err == nil && c.valid != nil {
		if verr := c.valid(resp.Text); verr != nil {
			invalid = verr.Error()
		}
	}
	var a answer
	var keep func(goredis.Pipeliner)
	if err == nil {
		a = answer{Text: resp.Text, Usage: resp.Usage, Provider: resp.Provider, Model: resp.Model, FinishReason: resp.FinishReason}
		if c.variants > 1 {
			a.Variants = splitVariants(resp.Text, c.variants)
			a.Text = a.Variants[0]
		} else {
			a.Text = splitVariants(resp.Text, 1)[0]
		}
		// Streams, partial output, failures and invalid answers are never
		// cached.
		if !c.noCache && out == nil && invalid == "" {
			kept := cachedAnswer{Text: a.Text, Variants: a.Variants, Usage: a.Usage, Provider: a.Provider, Model: a.Model, FinishReason: a.FinishReason}
			keep = s.cache.keep(key, c.quick, kept)
		}
	}
	held.settle(resp.Usage.Total(), keep)
	if invalid != "" {
		s.recordOutcome(ctx, c, resp, "invalid_output", nil, false)
	} else {
		s.record(ctx, c, resp, err, false)
	}
	if err != nil {
		return answer{}, failure(ctx, err)
	}
	a.Invalid = invalid
	return a, nil
}

// authorizeStamped is authorize and, when stamped, the book's material
// stamp (see quick), asked at the same time: an answer from the cache then
// waits for one round trip to PostgreSQL, not two. The stamp is read even
// when the role check refuses, and then thrown away.
func (s *service) authorizeStamped(ctx context.Context, userID, projectID uuid.UUID, stamped bool) (access.Grant, string, error) {
	if !stamped {
		g, err := s.authorize(ctx, userID, projectID)
		return g, "", err
	}
	type result struct {
		stamp string
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		st, err := s.q.MaterialStamp(ctx, projectID)
		ch <- result{st, err}
	}()
	g, err := s.authorize(ctx, userID, projectID)
	r := <-ch
	if err != nil {
		return g, "", err
	}
	if r.err != nil {
		return g, "", fmt.Errorf("material stamp: %w", r.err)
	}
	return g, r.stamp, nil
}

// quick looks for the answer to request under its quick key (the request
// and the book's material stamp), before any context is gathered. It
// answers (hit true) from the cache, or returns the quick key under which
// run will keep the answer it gets.
func (s *service) quick(ctx context.Context, op Operation, g access.Grant, stamp, tmpl string, request any, out sink) (a answer, key string, hit bool, err error) {
	p := promptFor(tmpl)
	key = s.cache.quickRedisKey(quickKey{User: g.UserID, Operation: op, Chain: chainNames(s.chains[op]),
		Template: p.ID, Version: p.Version, Request: request, Stamp: stamp})
	found, ok := s.cache.getQuick(ctx, key)
	if !ok {
		return answer{}, key, false, nil
	}
	a, err = s.replay(ctx, call{op: op, user: g.UserID, project: g.ProjectID, prompt: p}, found, out)
	return a, key, err == nil, err
}

// replay answers from the cache: free (no allowance spent), recorded as a
// cache hit, and for a stream sent as one delta per version.
func (s *service) replay(ctx context.Context, c call, hit cachedAnswer, out sink) (answer, error) {
	s.record(ctx, c, provider.Response{Provider: hit.Provider, Model: hit.Model}, nil, true)
	a := answer{Text: hit.Text, Variants: hit.Variants, Usage: hit.Usage, Cached: true,
		Provider: hit.Provider, Model: hit.Model, FinishReason: hit.FinishReason}
	if out == nil {
		return a, nil
	}
	if err := out.begin(); err != nil {
		return answer{}, err
	}
	parts := a.Variants
	if len(parts) == 0 {
		parts = []string{a.Text}
	}
	for i, p := range parts {
		if err := out.delta(i, p); err != nil {
			return answer{}, err
		}
	}
	return a, nil
}

func chainNames(c *provider.Chain) []string {
	links := c.Links()
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.Provider.Name() + "/" + l.Model
	}
	return out
}

// failure turns a provider failure into the client's answer: 504 when time
// ran out, 400 ai-refused for a content-policy refusal, 502 otherwise. The
// provider error (status and type only, never text) stays the cause, for
// the log.
func failure(ctx context.Context, err error) error {
	pe := provider.AsError(err)
	switch {
	case errors.Is(err, provider.ErrNoProvider):
		return errNotConfigured
	case pe == nil:
		return err
	case pe.Type == "aborted":
		return pe.Err // the caller's own: a stream the client stopped reading
	case pe.Timeout:
		return apperr.Wrap(apperr.Timeout, "the AI provider did not answer in time; try again, or with a shorter text", err)
	case pe.Refusal:
		return &apperr.Error{Kind: apperr.Invalid, Slug: "ai-refused",
			Detail: "the AI provider declined this request under its content policy", Err: err}
	case ctx.Err() != nil:
		return errors.Join(ctx.Err(), err) // the client went away
	default:
		return apperr.Wrap(apperr.BadGateway, "the AI provider could not answer; try again later", err)
	}
}

// outcome is the record's word for how a call went.
func outcome(err error) string {
	pe := provider.AsError(err)
	switch {
	case err == nil:
		return "ok"
	case pe != nil && pe.Timeout:
		return "timeout"
	case pe != nil && pe.Refusal:
		return "refused"
	case pe != nil && (pe.Type == "canceled" || pe.Type == "aborted"), errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "failed"
	}
}

// record keeps one call in ai_requests and logs it: metadata only, never
// the prompt or the answer. Its own short context outlives a request that
// ended (a client gone mid-stream still cost tokens).
func (s *service) record(ctx context.Context, c call, resp provider.Response, err error, cacheHit bool) {
	s.recordOutcome(ctx, c, resp, outcome(err), err, cacheHit)
}

func (s *service) recordOutcome(ctx context.Context, c call, resp provider.Response, outcome string, err error, cacheHit bool) {
	pe := provider.AsError(err)
	attempts, fellBack, latency := resp.Attempts, resp.FellBack, resp.Latency
	prov := resp.Provider
	if pe != nil {
		attempts, prov = pe.Attempts, pe.Provider
	}
	id, _ := uuid.NewV7()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	ierr := s.rec.add(rctx, insertParams(id, c, prov, resp.Model, resp.Usage, cacheHit, attempts, fellBack, latency, outcome))
	attrs := []slog.Attr{
		slog.String("op", string(c.op)), slog.String("template", c.prompt.ID), slog.Int("template_version", c.prompt.Version),
		slog.String("provider", prov), slog.String("model", resp.Model), slog.Bool("cache_hit", cacheHit),
		slog.Int("input_tokens", resp.Usage.InputTokens), slog.Int("output_tokens", resp.Usage.OutputTokens),
		slog.Int("attempts", attempts), slog.Bool("fallback", fellBack),
		slog.Int64("latency_ms", latency.Milliseconds()), slog.String("outcome", outcome),
	}
	if c.jobID != nil {
		attrs = append(attrs, slog.String("job_id", c.jobID.String()))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error())) // *provider.Error: status and type, no text
	}
	level := slog.LevelInfo
	if cacheHit {
		level = slog.LevelDebug // recorded all the same; the log keeps to calls that cost
	}
	if ierr != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("record_error", ierr.Error()))
	}
	s.log.LogAttrs(ctx, level, "ai call", attrs...)
}
