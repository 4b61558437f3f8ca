package chapters

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

var errCommentNotFound = apperr.New(apperr.NotFound, "comment not found")

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

func toCommentResponse(c store.Comment) commentResponse {
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
		AuthorID: c.AuthorID, Body: c.Body, Anchor: anchor, Resolved: c.Resolved, ResolvedAt: resolvedAt,
		ResolvedBy: c.ResolvedBy, Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
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

func checkCommentBody(p map[string]string, b string) {
	switch n := utf8.RuneCountInString(b); {
	case n == 0:
		p["body"] = "must not be empty"
	case n > MaxCommentBody:
		p["body"] = fmt.Sprintf("must be at most %d characters", MaxCommentBody)
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

// handleListComments handles GET .../chapters/{chapter_id}/comments, oldest
// first; ?resolved=false|true filters, absent lists both.
func (m *Module) handleListComments(w http.ResponseWriter, r *http.Request) error {
	_, chapterID, _, err := m.chapterIn(r, RoleViewer)
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	filter := "all"
	switch v := r.URL.Query()["resolved"]; {
	case len(v) == 0:
	case len(v) == 1 && (v[0] == "true" || v[0] == "false"):
		filter = v[0]
	default:
		return apperr.Field("resolved", "must be true or false")
	}
	scope := "comments:" + filter + ":" + chapterID.String()
	var cur struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}
	if pr.Cursor != "" {
		if err := m.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return err
		}
	}
	ctx := r.Context()
	args := store.ListCommentsByChapterParams{ChapterID: chapterID, AfterTime: cur.T, AfterID: cur.ID, MaxRows: int32(pr.Limit + 1)}
	var rows []store.Comment
	switch filter {
	case "false":
		rows, err = m.q.ListUnresolvedCommentsByChapter(ctx, store.ListUnresolvedCommentsByChapterParams(args))
	case "true":
		rows, err = m.q.ListResolvedCommentsByChapter(ctx, store.ListResolvedCommentsByChapterParams(args))
	default:
		rows, err = m.q.ListCommentsByChapter(ctx, args)
	}
	if err != nil {
		return err
	}
	ids := make([]*uuid.UUID, len(rows))
	for i, c := range rows {
		ids[i] = c.AuthorID
	}
	names := m.authorNames(ctx, ids...)
	conv := func(c store.Comment) commentResponse {
		out := toCommentResponse(c)
		out.AuthorName = nameOf(names, c.AuthorID)
		return out
	}
	return httpx.Encode(w, http.StatusOK, page.Build(m.cursors, scope, rows, pr.Limit, conv,
		func(c store.Comment) any { return map[string]any{"t": c.CreatedAt, "id": c.ID} }))
}

// handleCreateComment handles POST .../chapters/{chapter_id}/comments.
// Commenters and above may comment.
func (m *Module) handleCreateComment(w http.ResponseWriter, r *http.Request) error {
	projectID, chapterID, _, err := m.chapterIn(r, RoleCommenter)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[createCommentRequest](w, r, httpx.MaxBytes(maxCommentBody))
	if err != nil {
		return err
	}
	ctx := r.Context()
	userID := authn.UserID(ctx)
	var c store.Comment
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		// The chapter's row lock serializes comment creation per chapter, so
		// the count limit holds under concurrency.
		if _, err := lockChapter(ctx, q, projectID, chapterID, expect.Any); err != nil {
			return err
		}
		n, err := q.CountCommentsByChapter(ctx, chapterID)
		if err != nil {
			return fmt.Errorf("count comments: %w", err)
		}
		if n >= MaxCommentsPerChapter {
			return apperr.Newf(apperr.Conflict, "a chapter holds at most %d comments", MaxCommentsPerChapter)
		}
		var depth int16
		if req.ParentID != nil {
			parent, err := q.GetComment(ctx, store.GetCommentParams{ID: *req.ParentID, ChapterID: chapterID})
			if db.IsNoRows(err) {
				return apperr.Field("parent_id", "must be a comment on this chapter")
			}
			if err != nil {
				return fmt.Errorf("get parent: %w", err)
			}
			if parent.Depth >= MaxCommentDepth {
				return apperr.Field("parent_id", fmt.Sprintf("replies nest at most %d levels deep; reply to an earlier comment of the thread", MaxCommentDepth))
			}
			depth = parent.Depth + 1
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		c, err = q.CreateComment(ctx, store.CreateCommentParams{
			ID: id, ChapterID: chapterID, ProjectID: projectID, ParentID: req.ParentID,
			AuthorID: &userID, Body: req.Body, Anchor: req.Anchor, Depth: depth,
		})
		if err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.ID.String())
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusCreated, m.commentWithName(ctx, c))
}

// commentIn resolves a comment of the chapter in the path.
func (m *Module) commentIn(r *http.Request, min string) (chapterID, commentID uuid.UUID, role string, err error) {
	_, chapterID, role, err = m.chapterIn(r, min)
	if err != nil {
		return
	}
	commentID, err = httpx.PathUUID(r, "comment_id")
	return
}

// handleGetComment handles GET .../comments/{comment_id}.
func (m *Module) handleGetComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, commentID, _, err := m.commentIn(r, RoleViewer)
	if err != nil {
		return err
	}
	c, err := m.q.GetComment(r.Context(), store.GetCommentParams{ID: commentID, ChapterID: chapterID})
	if db.IsNoRows(err) {
		return errCommentNotFound
	}
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, m.commentWithName(r.Context(), c))
}

// changeComment locks a comment of the chapter, checks the precondition and
// lets fn change it.
func (m *Module) changeComment(ctx context.Context, chapterID, commentID uuid.UUID, want expect.Version, fn func(q *store.Queries, c store.Comment) (store.Comment, error)) (store.Comment, error) {
	var out store.Comment
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		c, err := q.GetCommentForUpdate(ctx, store.GetCommentForUpdateParams{ID: commentID, ChapterID: chapterID})
		if db.IsNoRows(err) {
			return errCommentNotFound
		}
		if err != nil {
			return fmt.Errorf("lock comment: %w", err)
		}
		if err := want.Check(c.Version); err != nil {
			return err
		}
		out, err = fn(q, c)
		return err
	})
	return out, err
}

func isAuthor(c store.Comment, userID uuid.UUID) bool {
	return c.AuthorID != nil && *c.AuthorID == userID
}

// handlePatchComment handles PATCH .../comments/{comment_id}. Only the
// comment's author may edit it, and must still be a commenter or above.
func (m *Module) handlePatchComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, commentID, _, err := m.commentIn(r, RoleCommenter)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[patchCommentRequest](w, r, httpx.MaxBytes(maxCommentBody))
	if err != nil {
		return err
	}
	want, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	ctx := r.Context()
	userID := authn.UserID(ctx)
	c, err := m.changeComment(ctx, chapterID, commentID, want, func(q *store.Queries, c store.Comment) (store.Comment, error) {
		if !isAuthor(c, userID) {
			return c, apperr.New(apperr.Forbidden, "only the comment's author may edit it")
		}
		body, anchor := c.Body, c.Anchor
		if req.Body != nil {
			body = *req.Body
		}
		if req.anchorSet {
			anchor = req.Anchor
		}
		return q.UpdateComment(ctx, store.UpdateCommentParams{ID: c.ID, Body: body, Anchor: anchor})
	})
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, m.commentWithName(r.Context(), c))
}

// handleDeleteComment handles DELETE .../comments/{comment_id}: its author
// or the project owner moves it, with its replies, to the trash.
func (m *Module) handleDeleteComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, commentID, role, err := m.commentIn(r, RoleCommenter)
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	userID := authn.UserID(ctx)
	_, err = m.changeComment(ctx, chapterID, commentID, want, func(q *store.Queries, c store.Comment) (store.Comment, error) {
		if !isAuthor(c, userID) && role != RoleOwner {
			return c, apperr.New(apperr.Forbidden, "only the comment's author or the project owner may delete it")
		}
		return c, q.TrashCommentThread(ctx, c.ID)
	})
	if err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleResolveComment handles POST .../comments/{comment_id}/resolve.
func (m *Module) handleResolveComment(w http.ResponseWriter, r *http.Request) error {
	return m.setResolved(w, r, true)
}

// handleUnresolveComment handles POST .../comments/{comment_id}/unresolve.
func (m *Module) handleUnresolveComment(w http.ResponseWriter, r *http.Request) error {
	return m.setResolved(w, r, false)
}

// setResolved lets any commenter open or close a thread; If-Match is
// optional. Resolving a resolved comment changes nothing.
func (m *Module) setResolved(w http.ResponseWriter, r *http.Request, resolved bool) error {
	chapterID, commentID, _, err := m.commentIn(r, RoleCommenter)
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	userID := authn.UserID(ctx)
	c, err := m.changeComment(ctx, chapterID, commentID, want, func(q *store.Queries, c store.Comment) (store.Comment, error) {
		if c.Resolved == resolved {
			return c, nil
		}
		return q.SetCommentResolved(ctx, store.SetCommentResolvedParams{ID: c.ID, Resolved: resolved, UserID: userID})
	})
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, m.commentWithName(r.Context(), c))
}

// commentWithName renders one comment with its author's name.
func (m *Module) commentWithName(ctx context.Context, c store.Comment) commentResponse {
	out := toCommentResponse(c)
	out.AuthorName = nameOf(m.authorNames(ctx, c.AuthorID), c.AuthorID)
	return out
}
