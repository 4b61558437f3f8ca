package chapters

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleListChapters handles GET /api/v1/projects/{project_id}/chapters.
// Items omit content unless ?include=content.
func (m *Module) handleListChapters(w http.ResponseWriter, r *http.Request) error {
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	withContent := false
	switch inc := r.URL.Query()["include"]; {
	case len(inc) == 0:
	case len(inc) == 1 && inc[0] == "content":
		withContent = true
	default:
		return apperr.Field("include", "the only value is content")
	}
	p, err := m.svc.ListChapters(r.Context(), access.GrantFrom(r.Context()), pr, withContent)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toChapterListItem(withContent)))
}

// handleCreateChapter handles POST /api/v1/projects/{project_id}/chapters.
func (m *Module) handleCreateChapter(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[createChapterRequest](w, r, httpx.MaxBytes(maxChapterRequestBytes))
	if err != nil {
		return err
	}
	ch, err := m.svc.CreateChapter(r.Context(), access.GrantFrom(r.Context()), req.newChapter())
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+ch.ID.String())
	return encodeChapter(w, http.StatusCreated, ch)
}

// handleGetChapter handles GET /api/v1/projects/{project_id}/chapters/{chapter_id}.
func (m *Module) handleGetChapter(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	ch, err := m.svc.GetChapter(r.Context(), access.GrantFrom(r.Context()), chapterID)
	if err != nil {
		return err
	}
	return encodeChapter(w, http.StatusOK, ch)
}

// handlePutChapter handles PUT /api/v1/projects/{project_id}/chapters/{chapter_id}.
func (m *Module) handlePutChapter(w http.ResponseWriter, r *http.Request) error {
	return m.writeChapter(w, r, func() (*patchChapterRequest, error) {
		req, err := httpx.Decode[putChapterRequest](w, r, httpx.MaxBytes(maxChapterRequestBytes))
		return (*patchChapterRequest)(&req), err
	})
}

// handlePatchChapter handles PATCH /api/v1/projects/{project_id}/chapters/{chapter_id}.
func (m *Module) handlePatchChapter(w http.ResponseWriter, r *http.Request) error {
	return m.writeChapter(w, r, func() (*patchChapterRequest, error) {
		req, err := httpx.Decode[patchChapterRequest](w, r, httpx.MaxBytes(maxChapterRequestBytes))
		return &req, err
	})
}

// writeChapter is PUT and PATCH, which differ only in the body they take.
func (m *Module) writeChapter(w http.ResponseWriter, r *http.Request, decode func() (*patchChapterRequest, error)) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	req, err := decode()
	if err != nil {
		return err
	}
	want, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	ch, err := m.svc.UpdateChapter(r.Context(), access.GrantFrom(r.Context()), chapterID, want, req.change())
	if err != nil {
		return err
	}
	return encodeChapter(w, http.StatusOK, ch)
}

// handleDeleteChapter handles DELETE /api/v1/projects/{project_id}/chapters/{chapter_id}:
// the chapter goes to the trash and later chapters move up. If-Match is
// optional.
func (m *Module) handleDeleteChapter(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	if err := m.svc.TrashChapter(r.Context(), access.GrantFrom(r.Context()), chapterID, want); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreChapter handles POST /api/v1/projects/{project_id}/chapters/{chapter_id}/restore.
func (m *Module) handleRestoreChapter(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	ch, err := m.svc.RestoreChapter(r.Context(), access.GrantFrom(r.Context()), chapterID)
	if err != nil {
		return err
	}
	return encodeChapter(w, http.StatusOK, ch)
}

// handleReorderChapters handles POST /api/v1/projects/{project_id}/chapters/reorder.
// The body lists every live chapter once, in the new order; the answer is
// the whole new order (without content).
func (m *Module) handleReorderChapters(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[reorderRequest](w, r, httpx.MaxBytes(maxReorderRequestBytes))
	if err != nil {
		return err
	}
	rows, err := m.svc.ReorderChapters(r.Context(), access.GrantFrom(r.Context()), req.ChapterIDs)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toChapterOrder(rows))
}

// chapterAnd reads {chapter_id} and the id of something of the chapter
// (version_id, comment_id) from the path.
func chapterAnd(r *http.Request, param string) (chapterID, id uuid.UUID, err error) {
	if chapterID, err = httpx.PathUUID(r, "chapter_id"); err != nil {
		return
	}
	id, err = httpx.PathUUID(r, param)
	return
}

// encodeChapter answers with one chapter and its ETag.
func encodeChapter(w http.ResponseWriter, status int, ch store.Chapter) error {
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, status, toChapterResponse(ch))
}
