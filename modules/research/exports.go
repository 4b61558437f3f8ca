package research

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/material"
)

// minMention is the shortest title or tag (in characters) that counts as
// mentioned: shorter ones ("a", "it") would match almost any passage.
const minMention = 3

// NotesMentioned returns up to limit live notes of projectID whose title or
// one of whose tags appears in text as whole words, in any case: the
// codex-style context the AI module gives a model. Notes whose title is
// mentioned come before those matched by a tag only; more mentions come
// first, then the most recently changed. Two queries: the project's titles
// and tags, then the bodies of the notes that matched.
func (m *Module) NotesMentioned(ctx context.Context, projectID uuid.UUID, text string, limit int) ([]material.Note, error) {
	if limit <= 0 || strings.TrimSpace(text) == "" {
		return nil, nil
	}
	heads, err := m.svc.q.ListNoteHeadings(ctx, store.ListNoteHeadingsParams{ProjectID: projectID, MaxRows: MaxNotesPerProject})
	if err != nil {
		return nil, fmt.Errorf("list note headings: %w", err)
	}
	words := wordsOf(text)
	have := make(map[string]bool, len(words))
	for _, w := range words {
		have[w] = true
	}
	passage := " " + strings.Join(words, " ") + " "
	mentioned := func(phrase string) bool {
		pw := wordsOf(phrase)
		if len(pw) == 0 || len([]rune(phrase)) < minMention {
			return false
		}
		for _, w := range pw {
			if !have[w] { // cheap: most notes fail here
				return false
			}
		}
		return strings.Contains(passage, " "+strings.Join(pw, " ")+" ")
	}
	type hit struct {
		id    uuid.UUID
		score int
		order int
	}
	var hits []hit
	for i, h := range heads {
		score := 0
		if mentioned(h.Title) {
			score += 10
		}
		for _, tag := range h.Tags {
			if mentioned(tag) {
				score++
			}
		}
		if score > 0 {
			hits = append(hits, hit{id: h.ID, score: score, order: i})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.score - a.score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	rows, err := m.svc.q.ListNotesByIDs(ctx, store.ListNotesByIDsParams{ProjectID: projectID, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("list notes by ids: %w", err)
	}
	byID := make(map[uuid.UUID]material.Note, len(rows))
	for _, r := range rows {
		byID[r.ID] = material.Note{ID: r.ID, Title: r.Title, Tags: r.Tags, Body: r.Body}
	}
	out := make([]material.Note, 0, len(ids))
	for _, id := range ids {
		if n, ok := byID[id]; ok { // a note trashed between the two queries is left out
			out = append(out, n)
		}
	}
	return out, nil
}

// wordsOf lowercases s and splits it into words of letters and digits
// (apostrophes and hyphens inside a word keep it whole).
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '-'
	})
}
