package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/material"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/roles"
)

// The job kinds (docs/jobs.md).
const (
	kindDraft       = "ai.draft"
	kindConsistency = "ai.consistency"
)

// draftPayload is what a draft job is given; the book is the job's.
type draftPayload struct {
	Topic   string   `json:"topic"`
	Purpose string   `json:"purpose,omitempty"`
	Style   string   `json:"style,omitempty"`
	Beats   []string `json:"beats,omitempty"`
}

// consistencyPayload names the chapters to check (none: every chapter).
type consistencyPayload struct {
	ChapterIDs []uuid.UUID `json:"chapter_ids,omitempty"`
}

// StartDraft starts a draft job: one AI request of the hourly allowance,
// then the job, which writes beat by beat.
func (s *service) StartDraft(ctx context.Context, userID uuid.UUID, r draftRequest) (module.JobRef, json.RawMessage, error) {
	g, err := s.authorize(ctx, userID, r.ProjectID)
	if err != nil {
		return module.JobRef{}, nil, err
	}
	return s.start(ctx, g, module.JobRequest{
		Kind: kindDraft, OwnerID: userID, ProjectID: g.ProjectID,
		Payload: draftPayload{Topic: r.Topic, Purpose: r.Purpose, Style: r.Style, Beats: r.Beats},
	})
}

// StartConsistency starts a consistency check of the book, or answers the
// caller's check of it that is already queued or running.
func (s *service) StartConsistency(ctx context.Context, userID uuid.UUID, r consistencyRequest) (module.JobRef, json.RawMessage, error) {
	g, err := s.authorize(ctx, userID, r.ProjectID)
	if err != nil {
		return module.JobRef{}, nil, err
	}
	for _, id := range r.ChapterIDs {
		if _, err := s.chapter(ctx, g, id); err != nil {
			return module.JobRef{}, nil, err
		}
	}
	return s.start(ctx, g, module.JobRequest{
		Kind: kindConsistency, OwnerID: userID, ProjectID: g.ProjectID,
		Payload:   consistencyPayload{ChapterIDs: r.ChapterIDs},
		UniqueKey: kindConsistency + ":" + userID.String() + ":" + g.ProjectID.String(),
	})
}

// start spends one request of the allowance and enqueues the job in a
// transaction that confirms the grant first.
func (s *service) start(ctx context.Context, g access.Grant, jr module.JobRequest) (module.JobRef, json.RawMessage, error) {
	if err := s.allow.spendRequest(ctx, g.UserID); err != nil {
		return module.JobRef{}, nil, err
	}
	var ref module.JobRef
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := s.guard.Confirm(ctx, tx, g, roles.Editor); err != nil {
			return err
		}
		var err error
		ref, err = s.jobs.Enqueue(ctx, tx, jr)
		return err
	})
	if err != nil {
		return module.JobRef{}, nil, err
	}
	view, err := s.jobs.JobView(ctx, g.UserID, ref.ID)
	if err != nil {
		return module.JobRef{}, nil, fmt.Errorf("view job: %w", err)
	}
	return ref, view, nil
}

// jobTimeout bounds one attempt of either kind: a draft of MaxBeats beats
// or a check of MaxConsistencyChapters chapters, at a few calls each.
const jobTimeout = 30 * time.Minute

func (s *service) draftKind() module.JobKind {
	return module.JobKind{Name: kindDraft, Timeout: jobTimeout, Run: s.runDraft}
}

func (s *service) consistencyKind() module.JobKind {
	return module.JobKind{Name: kindConsistency, Timeout: jobTimeout, Run: s.runConsistency}
}

// jobGrant checks, when an attempt starts, that the job's owner may still
// run AI on the book; a removed member's job ends for good.
func (s *service) jobGrant(ctx context.Context, j *module.Job) (access.Grant, error) {
	g, err := s.authorize(ctx, j.OwnerID, j.ProjectID)
	if err != nil && (apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden)) {
		return g, module.PermanentJobError(errors.New("the job's owner can no longer run AI on this book"))
	}
	return g, err
}

// jobCall is one model call of a job, within the per-call budget. Errors
// that another attempt cannot fix (a refusal, a request the provider
// rejects, a spent token budget, no provider) end the job at once; the
// others (timeouts, provider failures) leave it to the job's retries, and
// the cache keeps what earlier attempts finished.
func (s *service) jobCall(ctx context.Context, j *module.Job, c call) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, s.budgets.JobCall)
	defer cancel()
	c.user, c.project, c.jobID = j.OwnerID, j.ProjectID, &j.ID
	a, err := s.run(ctx, c, nil)
	if err == nil {
		return a, nil
	}
	ae := apperr.As(err)
	msg := ae.Detail
	if msg == "" {
		msg = "the AI call failed"
	}
	pe := provider.AsError(err)
	switch {
	case errors.Is(err, errNotConfigured), ae.Kind == apperr.RateLimited, ae.Kind == apperr.Invalid:
		return a, module.PermanentJobError(errors.New(msg))
	case pe != nil && !pe.Retryable && !pe.Timeout:
		return a, module.PermanentJobError(fmt.Errorf("%s (%s)", msg, pe))
	case pe != nil:
		return a, fmt.Errorf("%s (%s)", msg, pe)
	default:
		return a, err
	}
}

// beatResult is one beat of a draft.
type beatResult struct {
	Beat string `json:"beat"`
	Text string `json:"text"`
}

// draftResult is a draft job's result: the whole text, which the client
// may save as a new chapter version, and its beats.
type draftResult struct {
	Text  string        `json:"text"`
	Beats []beatResult  `json:"beats"`
	Usage usageResponse `json:"usage"`
}

// runDraft writes a chapter beat by beat, each within the output cap: the
// beats given, or a plan the model makes first.
func (s *service) runDraft(ctx context.Context, j *module.Job) (any, error) {
	var p draftPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, module.PermanentJobError(fmt.Errorf("draft payload: %w", err))
	}
	if _, err := s.jobGrant(ctx, j); err != nil {
		return nil, err
	}
	bc, err := s.gather(ctx, contextRequest{projectID: j.ProjectID, style: true, budget: contextBudget[OpDraft],
		passage: p.Topic + "\n" + p.Purpose + "\n" + strings.Join(p.Beats, "\n")})
	if err != nil {
		return nil, err
	}
	base := promptData{Context: bc, Topic: p.Topic, Purpose: p.Purpose, Style: p.Style}
	var total usageResponse
	beats := p.Beats
	if len(beats) == 0 {
		_ = j.Progress(ctx, 0, "planning the beats")
		a, err := s.jobCall(ctx, j, call{op: OpDraft, prompt: promptFor("draft_outline"), data: base, variants: 1, temperature: tempFaithful})
		if err != nil {
			return nil, err
		}
		total = addUsage(total, a.Usage)
		beats = parseBeats(a.Text)
		if len(beats) == 0 {
			return nil, module.PermanentJobError(errors.New("the model planned no beats; give the beats yourself"))
		}
	}
	res := draftResult{Beats: make([]beatResult, 0, len(beats))}
	var soFar strings.Builder
	for i, beat := range beats {
		_ = j.Progress(ctx, 100*i/len(beats), fmt.Sprintf("beat %d of %d", i+1, len(beats)))
		d := base
		d.Beat, d.BeatIndex, d.BeatCount, d.DraftSoFar = beat, i+1, len(beats), tail(soFar.String(), 6_000)
		a, err := s.jobCall(ctx, j, call{op: OpDraft, prompt: promptFor("draft_beat"), data: d, variants: 1, temperature: tempCreative})
		if err != nil {
			return nil, err
		}
		total = addUsage(total, a.Usage)
		res.Beats = append(res.Beats, beatResult{Beat: beat, Text: a.Text})
		if soFar.Len() > 0 {
			soFar.WriteString("\n\n")
		}
		soFar.WriteString(a.Text)
	}
	res.Text, res.Usage = soFar.String(), total
	return res, nil
}

// parseBeats reads a planned outline: one beat a line, list markers off.
func parseBeats(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimLeft(line, "-*•0123456789.) ")
		if line = strings.TrimSpace(line); line != "" && len(out) < MaxBeats {
			out = append(out, clipChars(line, MaxBeatChars))
		}
	}
	return out
}

// consistencyResult is a consistency job's result.
type consistencyResult struct {
	Findings        []finding     `json:"findings"`
	ChaptersChecked int           `json:"chapters_checked"`
	Truncated       []uuid.UUID   `json:"truncated,omitempty"`
	Usage           usageResponse `json:"usage"`
}

// runConsistency checks each chapter against the notes it mentions and the
// story before it. An answer that does not match the findings schema gets
// one repair; a second miss fails the job.
func (s *service) runConsistency(ctx context.Context, j *module.Job) (any, error) {
	var p consistencyPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, module.PermanentJobError(fmt.Errorf("consistency payload: %w", err))
	}
	g, err := s.jobGrant(ctx, j)
	if err != nil {
		return nil, err
	}
	ids := p.ChapterIDs
	if len(ids) == 0 {
		outline, err := s.chapters.ChapterOutline(ctx, j.ProjectID)
		if err != nil {
			return nil, err
		}
		for _, ch := range outline[:min(len(outline), MaxConsistencyChapters)] {
			ids = append(ids, ch.ID)
		}
	}
	res := consistencyResult{Findings: []finding{}}
	for i, id := range ids {
		_ = j.Progress(ctx, 100*i/len(ids), fmt.Sprintf("chapter %d of %d", i+1, len(ids)))
		ch, err := s.chapter(ctx, g, id)
		if apperr.Is(err, apperr.NotFound) {
			continue // deleted since the check was asked for
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(ch.Content) == "" {
			continue
		}
		found, usage, truncated, err := s.checkChapter(ctx, j, ch)
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, found...)
		res.Usage = addUsage(res.Usage, usage)
		res.ChaptersChecked++
		if truncated {
			res.Truncated = append(res.Truncated, ch.ID)
		}
	}
	return res, nil
}

func (s *service) checkChapter(ctx context.Context, j *module.Job, ch material.Chapter) ([]finding, provider.Usage, bool, error) {
	text := clipChars(ch.Content, MaxCheckedChapterChars)
	truncated := len(text) < len(ch.Content)
	bc, err := s.gather(ctx, contextRequest{projectID: j.ProjectID, passage: text, before: &ch.ID, budget: contextBudget[OpConsistency]})
	if err != nil {
		return nil, provider.Usage{}, false, err
	}
	id := ch.ID.String()
	valid := func(text string) error { _, err := parseFindings(text, id); return err }
	c := call{op: OpConsistency, prompt: promptFor("consistency"), variants: 1, temperature: 0,
		schema: compactSchema(), schemaName: findingsSchemaName, valid: valid,
		data: promptData{Context: bc, Passage: text, ChapterID: id, ChapterTitle: ch.Title}}
	a, err := s.jobCall(ctx, j, c)
	if err != nil {
		return nil, provider.Usage{}, false, err
	}
	usage := a.Usage
	if a.Invalid != "" {
		// One repair: the answer and what was wrong with it, back to the
		// model.
		c.prompt = promptFor("consistency_repair")
		c.data = promptData{ChapterID: id, Problems: a.Invalid, Previous: clipChars(a.Text, 20_000)}
		if a, err = s.jobCall(ctx, j, c); err != nil {
			return nil, provider.Usage{}, false, err
		}
		usage = addUsage(toUsageResponse(usage), a.Usage).usage()
		if a.Invalid != "" {
			return nil, provider.Usage{}, false, module.PermanentJobError(fmt.Errorf(
				"the consistency check of chapter %s failed: the model's answer did not match the findings schema, even after one repair", id))
		}
	}
	found, _ := parseFindings(a.Text, id)
	return found, usage, truncated, nil
}

func addUsage(total usageResponse, u provider.Usage) usageResponse {
	total.InputTokens += u.InputTokens
	total.OutputTokens += u.OutputTokens
	return total
}

func (u usageResponse) usage() provider.Usage {
	return provider.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens}
}

// tail is the last n bytes of s, from a line or word boundary.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexAny(s, "\n "); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// clipChars cuts s to at most n characters.
func clipChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
