package research

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

// note is one stored note. Every note query but search returns exactly
// these columns, so its row converts with note(row); search adds rank.
type note = store.GetNoteRow

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

func decodeNote(w http.ResponseWriter, r *http.Request, partial bool) (noteRequest, error) {
	if partial {
		req, err := httpx.Decode[patchNoteRequest](w, r, httpx.MaxBytes(maxNoteRequest))
		return noteRequest(req), err
	}
	return httpx.Decode[noteRequest](w, r, httpx.MaxBytes(maxNoteRequest))
}

// patchNoteRequest is noteRequest where every field is optional.
type patchNoteRequest noteRequest

func (r *patchNoteRequest) Validate() error {
	r.partial = true
	return (*noteRequest)(r).Validate()
}
