package chapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
)

type commentResponse struct {
	ID         uuid.UUID       `json:"id"`
	ChapterID  uuid.UUID       `json:"chapter_id"`
	ProjectID  uuid.UUID       `json:"project_id"`
	ParentID   *uuid.UUID      `json:"parent_id"`
	Depth      int16           `json:"depth"`
	AuthorID   *uuid.UUID      `json:"author_id"`
	AuthorName *string         `json:"author_name"`
	Body       string          `json:"body"`
	Anchor     json.RawMessage `json:"anchor"`
	Resolved   bool            `json:"resolved"`
	ResolvedAt *time.Time      `json:"resolved_at"`
	ResolvedBy *uuid.UUID      `json:"resolved_by"`
	Version    int32           `json:"version"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

func toCommentResponse(a authored[store.Comment]) commentResponse {
	c := a.Row
	anchor := json.RawMessage("null")
	if len(c.Anchor) > 0 {
		anchor = c.Anchor
	}
	var resolvedAt *time.Time
	if c.ResolvedAt != nil {
		t := c.ResolvedAt.UTC()
		resolvedAt = &t
	}
	return commentResponse{
		ID: c.ID, ChapterID: c.ChapterID, ProjectID: c.ProjectID, ParentID: c.ParentID, Depth: c.Depth,
		AuthorID: c.AuthorID, AuthorName: a.AuthorName, Body: c.Body, Anchor: anchor, Resolved: c.Resolved,
		ResolvedAt: resolvedAt, ResolvedBy: c.ResolvedBy, Version: c.Version, CreatedAt: c.CreatedAt.UTC(),
		UpdatedAt: c.UpdatedAt.UTC(),
	}
}

// createCommentRequest is the body of POST .../comments.
type createCommentRequest struct {
	Body     string          `json:"body"`
	ParentID *uuid.UUID      `json:"parent_id"`
	Anchor   json.RawMessage `json:"anchor"`
}

func (r *createCommentRequest) Validate() error {
	p := map[string]string{}
	r.Body = strings.TrimSpace(r.Body)
	checkCommentBody(p, r.Body)
	r.Anchor = checkAnchor(p, r.Anchor)
	return apperr.Validation(p)
}

func (r *createCommentRequest) newComment() newComment {
	return newComment{Body: r.Body, ParentID: r.ParentID, Anchor: r.Anchor}
}

// patchCommentRequest edits a comment's text or anchor; "anchor": null
// removes the anchor.
type patchCommentRequest struct {
	Body      *string         `json:"body"`
	Anchor    json.RawMessage `json:"anchor"`
	Version   *int32          `json:"version"`
	anchorSet bool
}

func (r *patchCommentRequest) Validate() error {
	p := map[string]string{}
	if r.Body != nil {
		b := strings.TrimSpace(*r.Body)
		r.Body = &b
		checkCommentBody(p, b)
	}
	if r.Anchor != nil {
		r.anchorSet = true
		r.Anchor = checkAnchor(p, r.Anchor)
	}
	return apperr.Validation(p)
}

func (r *patchCommentRequest) change() commentChange {
	return commentChange{Body: r.Body, Anchor: r.Anchor, AnchorSet: r.anchorSet}
}

func checkCommentBody(p map[string]string, b string) {
	switch n := utf8.RuneCountInString(b); {
	case n == 0:
		p["body"] = "must not be empty"
	case n > MaxCommentChars:
		p["body"] = fmt.Sprintf("must be at most %d characters", MaxCommentChars)
	case strings.ContainsRune(b, 0):
		p["body"] = "must not contain NUL characters"
	}
}

// checkAnchor accepts a JSON object (or null/absent) of at most
// MaxCommentAnchor bytes. The server never looks inside it.
func checkAnchor(p map[string]string, a json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(a)
	switch {
	case len(t) == 0 || bytes.Equal(t, []byte("null")):
		return nil
	case len(t) > MaxCommentAnchor:
		p["anchor"] = fmt.Sprintf("must be at most %d bytes of JSON", MaxCommentAnchor)
	case t[0] != '{':
		p["anchor"] = "must be a JSON object"
	case bytes.ContainsRune(t, 0) || bytes.Contains(t, []byte(`\u0000`)):
		p["anchor"] = "must not contain NUL characters"
	}
	return t
}
