package research

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/page"
)

type noteResponse struct {
	ID        uuid.UUID  `json:"id"`
	ProjectID uuid.UUID  `json:"project_id"`
	ChapterID *uuid.UUID `json:"chapter_id"`
	AuthorID  *uuid.UUID `json:"author_id"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Tags      []string   `json:"tags"`
	SourceURL *string    `json:"source_url"`
	Version   int32      `json:"version"`
	Rank      *float64   `json:"rank,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func toNoteResponse(n note) noteResponse {
	tags := n.Tags
	if tags == nil {
		tags = []string{}
	}
	return noteResponse{
		ID: n.ID, ProjectID: n.ProjectID, ChapterID: n.ChapterID, AuthorID: n.AuthorID, Title: n.Title,
		Body: n.Body, Tags: tags, SourceURL: n.SourceUrl, Version: n.Version,
		CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC(),
	}
}

func toListedNoteResponse(n listedNote) noteResponse {
	r := toNoteResponse(n.note)
	r.Rank = n.Rank
	return r
}

// noteFilterOf reads ?tag= (repeatable: notes carrying every tag) and ?q=
// (search) of a note list; a search has no further pages, so it takes no
// cursor.
func noteFilterOf(qs url.Values, pr page.Request) (noteFilter, error) {
	p := map[string]string{}
	tags := normalizeTags(p, "tag", qs["tag"])
	query := strings.TrimSpace(qs.Get("q"))
	switch {
	case len(qs["q"]) > 1:
		p["q"] = "give q once"
	case utf8.RuneCountInString(query) > MaxSearchQuery:
		p["q"] = fmt.Sprintf("must be at most %d characters", MaxSearchQuery)
	case strings.ContainsRune(query, 0):
		p["q"] = "must not contain NUL characters"
	case query != "" && pr.Cursor != "":
		p["cursor"] = "search results have no further pages; narrow the query or raise limit"
	}
	return noteFilter{Tags: tags, Query: query}, apperr.Validation(p)
}

// noteRequest is the body of POST and PUT (which replaces every field:
// absent optional fields are cleared) and PATCH (which changes the fields
// it names; null clears chapter_id or source_url).
type noteRequest struct {
	Title     *string             `json:"title"`
	Body      *string             `json:"body"`
	Tags      []string            `json:"tags"`
	SourceURL nullable[string]    `json:"source_url"`
	ChapterID nullable[uuid.UUID] `json:"chapter_id"`
	Version   *int32              `json:"version"`
	partial   bool
}

func (r *noteRequest) Validate() error {
	p := map[string]string{}
	if r.Title == nil && !r.partial {
		p["title"] = "required"
	}
	if r.Title != nil {
		t := strings.TrimSpace(*r.Title)
		r.Title = &t
		checkText(p, "title", t, 1, MaxNoteTitle)
		if strings.ContainsAny(t, "\r\n") {
			p["title"] = "must be a single line"
		}
	}
	if r.Body != nil {
		switch {
		case len(*r.Body) > MaxNoteBody:
			p["body"] = fmt.Sprintf("must be at most %d bytes", MaxNoteBody)
		case strings.ContainsRune(*r.Body, 0):
			p["body"] = "must not contain NUL characters"
		}
	}
	if r.Tags != nil {
		r.Tags = normalizeTags(p, "tags", r.Tags)
	}
	if v := r.SourceURL.Value; v != nil {
		s := strings.TrimSpace(*v)
		if s == "" {
			r.SourceURL.Value = nil
		} else {
			r.SourceURL.Value = &s
			checkURL(p, "source_url", s, MaxSourceURL)
		}
	}
	if r.Version != nil && *r.Version < 1 {
		p["version"] = "must be 1 or more"
	}
	return apperr.Validation(p)
}

func (r noteRequest) change() noteChange {
	return noteChange{Title: r.Title, Body: r.Body, Tags: r.Tags, SourceURL: r.SourceURL, ChapterID: r.ChapterID}
}

// patchNoteRequest is noteRequest where every field is optional.
type patchNoteRequest noteRequest

func (r *patchNoteRequest) Validate() error {
	r.partial = true
	return (*noteRequest)(r).Validate()
}

// normalizeTags lowercases, trims and de-duplicates tags, keeping their
// order, and reports every invalid one under "<field>[i]". It returns nil
// only after recording a problem, so once validation passes the result is
// non-nil and the queries never see a NULL tag array.
func normalizeTags(p map[string]string, field string, tags []string) []string {
	if len(tags) > MaxTags {
		p[field] = fmt.Sprintf("at most %d tags", MaxTags)
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for i, raw := range tags {
		t := strings.ToLower(strings.TrimSpace(raw))
		key := fmt.Sprintf("%s[%d]", field, i)
		switch n := utf8.RuneCountInString(t); {
		case n == 0:
			p[key] = "must not be empty"
			continue
		case n > MaxTagLength:
			p[key] = fmt.Sprintf("must be at most %d characters", MaxTagLength)
			continue
		case strings.IndexFunc(t, func(r rune) bool { return unicode.IsControl(r) || r == ',' }) >= 0:
			p[key] = "must not contain commas or control characters"
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// The field checks below serve the citation requests too.

// nullable is a JSON field that can be absent (Set false), null (Set true,
// Value nil) or a value, so PATCH can tell "leave as is" from "clear".
type nullable[T any] struct {
	Set   bool
	Value *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// checkURL accepts an absolute http or https URL of at most max bytes.
func checkURL(p map[string]string, field, raw string, max int) {
	if len(raw) > max {
		p[field] = fmt.Sprintf("must be at most %d bytes", max)
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\r\n") {
		p[field] = "must be an absolute http or https URL"
	}
}

// checkText checks a trimmed single-purpose text field's length in
// characters and refuses NUL, which PostgreSQL cannot store.
func checkText(p map[string]string, field, s string, min, max int) {
	switch n := utf8.RuneCountInString(s); {
	case n < min && min == 1:
		p[field] = "must not be empty"
	case n > max:
		p[field] = fmt.Sprintf("must be at most %d characters", max)
	case strings.ContainsRune(s, 0):
		p[field] = "must not contain NUL characters"
	}
}
