package ai

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/material"
)

// bookContext is the book's own material a prompt is grounded in: its
// story bible, within an operation's token budget.
type bookContext struct {
	Style      string
	StorySoFar []chapterSummary
	Notes      []material.Note
}

type chapterSummary struct {
	Title   string
	Summary string
}

// contextRequest says what to gather.
type contextRequest struct {
	projectID uuid.UUID
	// passage is the text whose mentions select the notes.
	passage string
	// before, when set, takes the story so far up to this chapter (not
	// including it); otherwise every chapter's summary is a candidate.
	before *uuid.UUID
	// except leaves one chapter out of the story so far (the one checked).
	except *uuid.UUID
	budget int
	style  bool
}

// gather builds a context within r.budget tokens: the style sample first
// (at most a fifth of the budget), then the notes the passage mentions (up
// to two fifths), then the summaries of the chapters closest before the
// passage with what is left. Each piece is cut to fit, never dropped for a
// smaller one further down the list, so the choice stays predictable.
func (s *service) gather(ctx context.Context, r contextRequest) (bookContext, error) {
	var bc bookContext
	left := r.budget
	if left <= 0 {
		return bc, nil
	}
	if r.style {
		row, err := s.q.GetStyleSample(ctx, r.projectID)
		if err != nil && !db.IsNoRows(err) {
			return bc, fmt.Errorf("style sample: %w", err)
		}
		bc.Style = clip(row.Sample, r.budget/5)
		left -= estimateTokens(bc.Style)
	}
	if s.notes != nil && r.passage != "" {
		notes, err := s.notes.NotesMentioned(ctx, r.projectID, r.passage, maxNotes)
		if err != nil {
			return bc, fmt.Errorf("notes mentioned: %w", err)
		}
		noteBudget := r.budget * 2 / 5
		for _, n := range notes {
			cost := estimateTokens(n.Title) + estimateTokens(n.Body) + 8
			if cost > noteBudget {
				n.Body = clip(n.Body, noteBudget-estimateTokens(n.Title)-8)
				cost = noteBudget
			}
			if noteBudget <= 16 {
				break
			}
			bc.Notes = append(bc.Notes, n)
			noteBudget -= cost
			left -= cost
		}
	}
	if s.chapters != nil && left > 0 {
		story, err := s.storySoFar(ctx, r, left)
		if err != nil {
			return bc, err
		}
		bc.StorySoFar = story
	}
	return bc, nil
}

// storySoFar returns the stored summaries of the chapters before r.before
// (every chapter when it is nil), the nearest first to fill the budget,
// in reading order.
func (s *service) storySoFar(ctx context.Context, r contextRequest, budget int) ([]chapterSummary, error) {
	outline, err := s.chapters.ChapterOutline(ctx, r.projectID)
	if err != nil {
		return nil, fmt.Errorf("chapter outline: %w", err)
	}
	var earlier []material.ChapterRef
	for _, ch := range outline {
		if r.before != nil && ch.ID == *r.before {
			break
		}
		if r.except != nil && ch.ID == *r.except {
			continue
		}
		earlier = append(earlier, ch)
	}
	if len(earlier) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(earlier))
	for i, ch := range earlier {
		ids[i] = ch.ID
	}
	rows, err := s.q.ListChapterSummaries(ctx, store.ListChapterSummariesParams{ProjectID: r.projectID, ChapterIds: ids})
	if err != nil {
		return nil, fmt.Errorf("chapter summaries: %w", err)
	}
	byID := make(map[uuid.UUID]string, len(rows))
	for _, row := range rows {
		byID[row.ChapterID] = row.Summary
	}
	var picked []chapterSummary
	for i := len(earlier) - 1; i >= 0 && budget > 16; i-- {
		sum, ok := byID[earlier[i].ID]
		if !ok {
			continue
		}
		cost := estimateTokens(earlier[i].Title) + estimateTokens(sum) + 8
		if cost > budget {
			sum = clip(sum, budget-estimateTokens(earlier[i].Title)-8)
			cost = budget
		}
		picked = append(picked, chapterSummary{Title: earlier[i].Title, Summary: sum})
		budget -= cost
	}
	for i, j := 0, len(picked)-1; i < j; i, j = i+1, j-1 {
		picked[i], picked[j] = picked[j], picked[i]
	}
	return picked, nil
}

// clip cuts s to about tokens tokens, at a character boundary, marking the
// cut.
func clip(s string, tokens int) string {
	if tokens <= 0 {
		return ""
	}
	limit := tokens * 4
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " […]"
}
