package ai

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/platform/apperr"
)

// checks gathers a request's problems: too large (413, before anything
// else happens) or invalid (400).
type checks struct {
	invalid map[string]string
	large   map[string]string
}

func newChecks() *checks { return &checks{invalid: map[string]string{}, large: map[string]string{}} }

// text checks a required or optional text field of at most max characters.
func (c *checks) text(field, s string, required bool, max int) {
	switch n := utf8.RuneCountInString(s); {
	case required && strings.TrimSpace(s) == "":
		c.invalid[field] = "required"
	case n > max:
		c.large[field] = fmt.Sprintf("must be at most %d characters (it has %d)", max, n)
	case strings.ContainsRune(s, 0):
		c.invalid[field] = "must not contain NUL characters"
	}
}

func (c *checks) project(id uuid.UUID) {
	if id == uuid.Nil {
		c.invalid["project_id"] = "required"
	}
}

func (c *checks) err() error {
	if len(c.large) > 0 {
		return &apperr.Error{Kind: apperr.TooLarge, Detail: "the input is larger than this operation takes", Fields: c.large}
	}
	return apperr.Validation(c.invalid)
}

// expandRequest is the body of POST /api/v1/ai/expand.
type expandRequest struct {
	ProjectID  uuid.UUID  `json:"project_id"`
	ChapterID  *uuid.UUID `json:"chapter_id"`
	Bullets    []string   `json:"bullets"`
	Context    string     `json:"context"`
	Regenerate bool       `json:"regenerate"`
}

func (r *expandRequest) Validate() error {
	c := newChecks()
	c.project(r.ProjectID)
	total := utf8.RuneCountInString(r.Context)
	switch {
	case len(r.Bullets) == 0:
		c.invalid["bullets"] = "required: at least one bullet"
	case len(r.Bullets) > MaxBullets:
		c.large["bullets"] = fmt.Sprintf("at most %d bullets (it has %d)", MaxBullets, len(r.Bullets))
	default:
		for i, b := range r.Bullets {
			c.text(fmt.Sprintf("bullets[%d]", i), b, true, MaxBulletChars)
			total += utf8.RuneCountInString(b)
		}
	}
	c.text("context", r.Context, false, MaxExpandChars)
	if total > MaxExpandChars && len(c.large) == 0 {
		c.large["bullets"] = fmt.Sprintf("bullets and context together must be at most %d characters (they have %d)", MaxExpandChars, total)
	}
	return c.err()
}

// The rewrite operations; the creative ones answer several variants.
const (
	rwRephrase       = "rephrase"
	rwShorten        = "shorten"
	rwExpand         = "expand"
	rwDescribeSenses = "describe_senses"
	rwShowDontTell   = "show_dont_tell"
	rwTone           = "tone"
	rwFixGrammar     = "fix_grammar"
)

var rewriteOps = []string{rwRephrase, rwShorten, rwExpand, rwDescribeSenses, rwShowDontTell, rwTone, rwFixGrammar}

// rewriteVariants is how many versions each operation answers.
var rewriteVariants = map[string]int{
	rwRephrase: 3, rwExpand: 2, rwDescribeSenses: 3, rwShowDontTell: 2, rwTone: 3,
	rwShorten: 1, rwFixGrammar: 1,
}

// rewriteRequest is the body of POST /api/v1/ai/rewrite.
type rewriteRequest struct {
	ProjectID  uuid.UUID  `json:"project_id"`
	ChapterID  *uuid.UUID `json:"chapter_id"`
	Text       string     `json:"text"`
	Operation  string     `json:"operation"`
	Tone       string     `json:"tone"`
	Regenerate bool       `json:"regenerate"`
}

func (r *rewriteRequest) Validate() error {
	c := newChecks()
	c.project(r.ProjectID)
	c.text("text", r.Text, true, MaxRewriteChars)
	if !slices.Contains(rewriteOps, r.Operation) {
		c.invalid["operation"] = "must be one of " + strings.Join(rewriteOps, ", ")
	}
	r.Tone = strings.TrimSpace(r.Tone)
	switch {
	case r.Operation == rwTone && r.Tone == "":
		c.invalid["tone"] = "required with operation tone, e.g. \"wistful\""
	case r.Operation != rwTone && r.Tone != "":
		c.invalid["tone"] = "only with operation tone"
	default:
		c.text("tone", r.Tone, false, MaxToneChars)
		if strings.ContainsAny(r.Tone, "\r\n") {
			c.invalid["tone"] = "must be a single line"
		}
	}
	return c.err()
}

// The summary lengths.
var summaryLengths = map[string]string{
	"short":  "two or three sentences.",
	"medium": "one paragraph of about 150 words.",
	"long":   "about 400 words in a few paragraphs.",
}

// summarizeRequest is the body of POST /api/v1/ai/summarize: a text, or a
// chapter (whose summary is then kept as its "story so far").
type summarizeRequest struct {
	ProjectID  uuid.UUID  `json:"project_id"`
	ChapterID  *uuid.UUID `json:"chapter_id"`
	Text       *string    `json:"text"`
	Length     string     `json:"length"`
	Regenerate bool       `json:"regenerate"`
}

func (r *summarizeRequest) Validate() error {
	c := newChecks()
	c.project(r.ProjectID)
	switch {
	case r.Text == nil && r.ChapterID == nil:
		c.invalid["text"] = "give text or chapter_id"
	case r.Text != nil && r.ChapterID != nil:
		c.invalid["text"] = "give text or chapter_id, not both"
	case r.Text != nil:
		c.text("text", *r.Text, true, MaxSummarizeChars)
	}
	if r.Length == "" {
		r.Length = "medium"
	}
	if _, ok := summaryLengths[r.Length]; !ok {
		c.invalid["length"] = "must be short, medium or long"
	}
	return c.err()
}

// draftRequest is the body of POST /api/v1/ai/draft.
type draftRequest struct {
	ProjectID uuid.UUID `json:"project_id"`
	Topic     string    `json:"topic"`
	Purpose   string    `json:"purpose"`
	Style     string    `json:"style"`
	Beats     []string  `json:"beats"`
}

func (r *draftRequest) Validate() error {
	c := newChecks()
	c.project(r.ProjectID)
	c.text("topic", r.Topic, true, MaxDraftFieldChars)
	c.text("purpose", r.Purpose, false, MaxDraftFieldChars)
	c.text("style", r.Style, false, MaxDraftFieldChars)
	if len(r.Beats) > MaxBeats {
		c.large["beats"] = fmt.Sprintf("at most %d beats (it has %d)", MaxBeats, len(r.Beats))
	} else {
		for i, b := range r.Beats {
			c.text(fmt.Sprintf("beats[%d]", i), b, true, MaxBeatChars)
		}
	}
	return c.err()
}

// consistencyRequest is the body of POST /api/v1/ai/consistency; without
// chapter_ids it checks every chapter (at most MaxConsistencyChapters).
type consistencyRequest struct {
	ProjectID  uuid.UUID   `json:"project_id"`
	ChapterIDs []uuid.UUID `json:"chapter_ids"`
}

func (r *consistencyRequest) Validate() error {
	c := newChecks()
	c.project(r.ProjectID)
	if len(r.ChapterIDs) > MaxConsistencyChapters {
		c.large["chapter_ids"] = fmt.Sprintf("at most %d chapters per check (it has %d)", MaxConsistencyChapters, len(r.ChapterIDs))
	}
	seen := map[uuid.UUID]bool{}
	for i, id := range r.ChapterIDs {
		if id == uuid.Nil || seen[id] {
			c.invalid[fmt.Sprintf("chapter_ids[%d]", i)] = "must be a distinct chapter id"
		}
		seen[id] = true
	}
	return c.err()
}

// usageResponse counts one answer's tokens.
type usageResponse struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

func toUsageResponse(u provider.Usage) usageResponse {
	return usageResponse{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens}
}

// answerResponse is a synchronous answer, and the data of a stream's done
// event.
type answerResponse struct {
	Text string `json:"text"`
	// Variants are the versions of a creative rewrite (Text is the first).
	Variants     []string      `json:"variants,omitempty"`
	Usage        usageResponse `json:"usage"`
	Cached       bool          `json:"cached"`
	Provider     string        `json:"provider"`
	Model        string        `json:"model"`
	FinishReason string        `json:"finish_reason"`
	// ChapterID is set on the summary of a chapter, which is kept as the
	// chapter's summary.
	ChapterID *uuid.UUID `json:"chapter_id,omitempty"`
}

func toAnswerResponse(a answer) answerResponse {
	return answerResponse{
		Text: a.Text, Variants: a.Variants, Usage: toUsageResponse(a.Usage), Cached: a.Cached,
		Provider: a.Provider, Model: a.Model, FinishReason: a.FinishReason, ChapterID: a.ChapterID,
	}
}
