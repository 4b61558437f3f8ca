package ai

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
)

// Temperatures: the creative operations sample more freely than the ones
// that must keep to a text.
const (
	tempCreative = 0.9
	tempFaithful = 0.3
)

// rewriteInstruction is each rewrite operation's task.
var rewriteInstruction = map[string]string{
	rwRephrase:       "rephrase the passage: the same meaning and facts in different words, in the author's voice.",
	rwShorten:        "shorten the passage to about half its length, keeping its meaning, its facts and the author's voice.",
	rwExpand:         "expand the passage to about twice its length with detail that fits the book's facts, in the author's voice.",
	rwDescribeSenses: "rewrite the passage to bring in the senses: what can be seen, heard, smelled, touched and tasted, keeping its events.",
	rwShowDontTell:   "rewrite the passage to show rather than tell: turn stated feelings and judgements into action, dialogue and detail.",
	rwTone:           "rewrite the passage in a %s tone, keeping its events and facts.",
	rwFixGrammar:     "correct the passage's spelling, grammar and punctuation only. Change nothing else: not the wording, not the style.",
}

// Expand turns bullets into prose.
func (s *service) Expand(ctx context.Context, userID uuid.UUID, r expandRequest, out sink) (answer, error) {
	if err := s.configured(OpExpand); err != nil {
		return answer{}, err
	}
	g, stamp, err := s.authorizeStamped(ctx, userID, r.ProjectID, !r.Regenerate)
	if err != nil {
		return answer{}, err
	}
	var quick string
	if !r.Regenerate {
		a, key, hit, err := s.quick(ctx, OpExpand, g, stamp, "expand", r, out)
		if hit || err != nil {
			return a, err
		}
		quick = key
	}
	if r.ChapterID != nil {
		if _, err := s.chapter(ctx, g, *r.ChapterID); err != nil {
			return answer{}, err
		}
	}
	bc, err := s.gather(ctx, contextRequest{projectID: g.ProjectID, passage: strings.Join(r.Bullets, "\n") + "\n" + r.Context,
		before: r.ChapterID, budget: contextBudget[OpExpand], style: true})
	if err != nil {
		return answer{}, err
	}
	return s.run(ctx, call{
		op: OpExpand, user: userID, project: g.ProjectID, prompt: promptFor("expand"),
		data:     promptData{Context: bc, Bullets: r.Bullets, Surrounding: r.Context},
		variants: 1, temperature: tempCreative, noCache: r.Regenerate, spend: true, quick: quick,
	}, out)
}

// Rewrite rewrites a passage, in several versions for the creative
// operations.
func (s *service) Rewrite(ctx context.Context, userID uuid.UUID, r rewriteRequest, out sink) (answer, error) {
	if err := s.configured(OpRewrite); err != nil {
		return answer{}, err
	}
	g, stamp, err := s.authorizeStamped(ctx, userID, r.ProjectID, !r.Regenerate)
	if err != nil {
		return answer{}, err
	}
	var quick string
	if !r.Regenerate {
		a, key, hit, err := s.quick(ctx, OpRewrite, g, stamp, "rewrite", r, out)
		if hit || err != nil {
			return a, err
		}
		quick = key
	}
	if r.ChapterID != nil {
		if _, err := s.chapter(ctx, g, *r.ChapterID); err != nil {
			return answer{}, err
		}
	}
	budget := contextBudget[OpRewrite]
	if r.Operation == rwFixGrammar {
		budget = 0 // grammar needs no story bible
	}
	bc, err := s.gather(ctx, contextRequest{projectID: g.ProjectID, passage: r.Text, before: r.ChapterID, budget: budget,
		style: r.Operation != rwFixGrammar})
	if err != nil {
		return answer{}, err
	}
	instruction := rewriteInstruction[r.Operation]
	if r.Operation == rwTone {
		instruction = fmt.Sprintf(instruction, r.Tone)
	}
	temp := tempCreative
	if r.Operation == rwShorten || r.Operation == rwFixGrammar {
		temp = tempFaithful
	}
	return s.run(ctx, call{
		op: OpRewrite, user: userID, project: g.ProjectID, prompt: promptFor("rewrite"),
		data:     promptData{Context: bc, Passage: r.Text, Instruction: instruction, Variants: rewriteVariants[r.Operation]},
		variants: rewriteVariants[r.Operation], temperature: temp, noCache: r.Regenerate, spend: true, quick: quick,
	}, out)
}

// Summarize summarises a text, or a chapter, whose summary it then keeps
// as that chapter's part of the story so far.
func (s *service) Summarize(ctx context.Context, userID uuid.UUID, r summarizeRequest, out sink) (answer, error) {
	if err := s.configured(OpSummarize); err != nil {
		return answer{}, err
	}
	g, stamp, err := s.authorizeStamped(ctx, userID, r.ProjectID, !r.Regenerate)
	if err != nil {
		return answer{}, err
	}
	var quick string
	if !r.Regenerate {
		// A hit needs no summary kept: under the same stamp, the one kept
		// is this answer already (keeping one moves the stamp).
		a, key, hit, err := s.quick(ctx, OpSummarize, g, stamp, "summarize", r, out)
		if hit {
			a.ChapterID = r.ChapterID
		}
		if hit || err != nil {
			return a, err
		}
		quick = key
	}
	data := promptData{LengthInstruction: summaryLengths[r.Length]}
	var chapterVersion int32
	if r.ChapterID != nil {
		ch, err := s.chapter(ctx, g, *r.ChapterID)
		if err != nil {
			return answer{}, err
		}
		if strings.TrimSpace(ch.Content) == "" {
			return answer{}, apperr.Field("chapter_id", "the chapter has no text to summarise")
		}
		if n := len([]rune(ch.Content)); n > MaxSummarizeChars {
			return answer{}, &apperr.Error{Kind: apperr.TooLarge, Detail: "the chapter is larger than a summary takes",
				Fields: map[string]string{"chapter_id": fmt.Sprintf("the chapter has %d characters; at most %d are summarised at once", n, MaxSummarizeChars)}}
		}
		data.Passage, data.ChapterTitle, chapterVersion = ch.Content, ch.Title, ch.Version
	} else {
		data.Passage = *r.Text
	}
	a, err := s.run(ctx, call{
		op: OpSummarize, user: userID, project: g.ProjectID, prompt: promptFor("summarize"),
		data: data, variants: 1, temperature: tempFaithful, noCache: r.Regenerate, spend: true, quick: quick,
	}, out)
	if err != nil || r.ChapterID == nil {
		return a, err
	}
	if err := s.keepSummary(ctx, g, *r.ChapterID, chapterVersion, a.Text); err != nil {
		return answer{}, err
	}
	a.ChapterID = r.ChapterID
	return a, nil
}

// keepSummary stores a chapter's summary for the story so far. It checks
// the grant again first: the call took seconds, and a member removed
// meanwhile must not write to the book.
func (s *service) keepSummary(ctx context.Context, g access.Grant, chapterID uuid.UUID, version int32, summary string) error {
	summary = strings.TrimSpace(summary)
	if summary == "" {
		return apperr.New(apperr.BadGateway, "the AI provider answered an empty summary; try again")
	}
	if _, err := s.authorize(ctx, g.UserID, g.ProjectID); err != nil {
		return err
	}
	if n := []rune(summary); len(n) > 20000 {
		summary = string(n[:20000])
	}
	// A chapter deleted meanwhile fails the foreign key: nothing to keep.
	err := s.q.UpsertChapterSummary(ctx, store.UpsertChapterSummaryParams{
		ChapterID: chapterID, ProjectID: g.ProjectID, Summary: summary, ChapterVersion: version,
	})
	if err != nil {
		return fmt.Errorf("keep chapter summary: %w", err)
	}
	return nil
}
