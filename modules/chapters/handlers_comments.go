package chapters

import (
	"net/http"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleListComments handles GET .../chapters/{chapter_id}/comments, oldest
// first; ?resolved=false|true filters, absent lists both.
func (m *Module) handleListComments(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	var resolved *bool
	switch v := r.URL.Query()["resolved"]; {
	case len(v) == 0:
	case len(v) == 1 && (v[0] == "true" || v[0] == "false"):
		b := v[0] == "true"
		resolved = &b
	default:
		return apperr.Field("resolved", "must be true or false")
	}
	p, err := m.svc.ListComments(r.Context(), access.GrantFrom(r.Context()), chapterID, resolved, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toCommentResponse))
}

// handleCreateComment handles POST .../chapters/{chapter_id}/comments.
func (m *Module) handleCreateComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	req, err := httpx.Decode[createCommentRequest](w, r, httpx.MaxBytes(maxCommentRequestBytes))
	if err != nil {
		return err
	}
	c, err := m.svc.CreateComment(r.Context(), access.GrantFrom(r.Context()), chapterID, req.newComment())
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.Row.ID.String())
	return encodeComment(w, http.StatusCreated, c)
}

// handleGetComment handles GET .../comments/{comment_id}.
func (m *Module) handleGetComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, commentID, err := chapterAnd(r, "comment_id")
	if err != nil {
		return err
	}
	c, err := m.svc.GetComment(r.Context(), access.GrantFrom(r.Context()), chapterID, commentID)
	if err != nil {
		return err
	}
	return encodeComment(w, http.StatusOK, c)
}

// handlePatchComment handles PATCH .../comments/{comment_id}: its author
// edits it.
func (m *Module) handlePatchComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, commentID, err := chapterAnd(r, "comment_id")
	if err != nil {
		return err
	}
	req, err := httpx.Decode[patchCommentRequest](w, r, httpx.MaxBytes(maxCommentRequestBytes))
	if err != nil {
		return err
	}
	want, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	c, err := m.svc.UpdateComment(r.Context(), access.GrantFrom(r.Context()), chapterID, commentID, want, req.change())
	if err != nil {
		return err
	}
	return encodeComment(w, http.StatusOK, c)
}

// handleDeleteComment handles DELETE .../comments/{comment_id}: its author
// or the project owner moves it, with its replies, to the trash. If-Match
// is optional.
func (m *Module) handleDeleteComment(w http.ResponseWriter, r *http.Request) error {
	chapterID, commentID, err := chapterAnd(r, "comment_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	if err := m.svc.TrashComment(r.Context(), access.GrantFrom(r.Context()), chapterID, commentID, want); err != nil {
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

// setResolved is resolve and unresolve; If-Match is optional.
func (m *Module) setResolved(w http.ResponseWriter, r *http.Request, resolved bool) error {
	chapterID, commentID, err := chapterAnd(r, "comment_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	c, err := m.svc.SetResolved(r.Context(), access.GrantFrom(r.Context()), chapterID, commentID, want, resolved)
	if err != nil {
		return err
	}
	return encodeComment(w, http.StatusOK, c)
}

// encodeComment answers with one comment and its ETag.
func encodeComment(w http.ResponseWriter, status int, c authored[store.Comment]) error {
	httpx.SetETag(w, c.Row.Version)
	return httpx.Encode(w, status, toCommentResponse(c))
}
