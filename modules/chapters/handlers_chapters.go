package chapters

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// access resolves the project in the path and checks the caller's role.
func (m *Module) access(r *http.Request, min string) (projectID uuid.UUID, role string, err error) {
	projectID, err = httpx.PathUUID(r, "project_id")
	if err != nil {
		return uuid.Nil, "", err
	}
	ctx := r.Context()
	role, err = m.projects.Require(ctx, authn.UserID(ctx), projectID, min)
	return projectID, role, err
}

// chapterIn resolves project and chapter from the path, checks the role and
// that the chapter is a live chapter of that project.
func (m *Module) chapterIn(r *http.Request, min string) (projectID, chapterID uuid.UUID, role string, err error) {
	projectID, role, err = m.access(r, min)
	if err != nil {
		return
	}
	if chapterID, err = httpx.PathUUID(r, "chapter_id"); err != nil {
		return
	}
	ok, err := m.ChapterExists(r.Context(), projectID, chapterID)
	if err == nil && !ok {
		err = errChapterNotFound
	}
	return
}

// handleListChapters handles GET /api/v1/projects/{project_id}/chapters.
// Items omit content unless ?include=content.
func (m *Module) handleListChapters(w http.ResponseWriter, r *http.Request) error {
	projectID, _, err := m.access(r, RoleViewer)
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	withContent := false
	switch inc := r.URL.Query()["include"]; {
	case len(inc) == 0:
	case len(inc) == 1 && inc[0] == "content":
		// Chapters can be 2 MiB each: pages with content are capped so one
		// response stays bounded (the cursor carries on from there).
		withContent, pr.Limit = true, min(pr.Limit, MaxContentPage)
	default:
		return apperr.Field("include", "the only value is content")
	}
	scope := "chapters:" + projectID.String()
	var cur struct {
		P int32 `json:"p"`
	}
	cur.P = -1
	if pr.Cursor != "" {
		if err := m.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return err
		}
	}
	rows, err := m.q.ListChaptersByProject(r.Context(), store.ListChaptersByProjectParams{
		WithContent: withContent, ProjectID: projectID, AfterPosition: cur.P, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return err
	}
	p := page.Build(m.cursors, scope, rows, pr.Limit, toChapterListItem(withContent),
		func(c store.ListChaptersByProjectRow) any { return map[string]int32{"p": c.Position} })
	return httpx.Encode(w, http.StatusOK, p)
}

// handleCreateChapter handles POST /api/v1/projects/{project_id}/chapters.
func (m *Module) handleCreateChapter(w http.ResponseWriter, r *http.Request) error {
	projectID, _, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[createChapterRequest](w, r, httpx.MaxBytes(maxChapterBody))
	if err != nil {
		return err
	}
	status := "draft"
	if req.Status != nil {
		status = *req.Status
	}
	ctx := r.Context()
	ch, err := m.createChapter(ctx, projectID, authn.UserID(ctx), req.Title, req.Content, status, req.Position)
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+ch.ID.String())
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, http.StatusCreated, toChapterResponse(ch))
}

// handleGetChapter handles GET /api/v1/projects/{project_id}/chapters/{chapter_id}.
func (m *Module) handleGetChapter(w http.ResponseWriter, r *http.Request) error {
	projectID, _, err := m.access(r, RoleViewer)
	if err != nil {
		return err
	}
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	ch, err := m.getChapter(r.Context(), projectID, chapterID)
	if err != nil {
		return err
	}
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, http.StatusOK, toChapterResponse(ch))
}

func (m *Module) getChapter(ctx context.Context, projectID, chapterID uuid.UUID) (store.Chapter, error) {
	ch, err := m.q.GetChapter(ctx, store.GetChapterParams{ID: chapterID, ProjectID: projectID})
	if db.IsNoRows(err) {
		return ch, errChapterNotFound
	}
	return ch, err
}

// handlePutChapter handles PUT /api/v1/projects/{project_id}/chapters/{chapter_id}.
func (m *Module) handlePutChapter(w http.ResponseWriter, r *http.Request) error {
	return m.writeChapter(w, r, func() (*patchChapterRequest, error) {
		req, err := httpx.Decode[putChapterRequest](w, r, httpx.MaxBytes(maxChapterBody))
		return (*patchChapterRequest)(&req), err
	})
}

// handlePatchChapter handles PATCH /api/v1/projects/{project_id}/chapters/{chapter_id}.
func (m *Module) handlePatchChapter(w http.ResponseWriter, r *http.Request) error {
	return m.writeChapter(w, r, func() (*patchChapterRequest, error) {
		req, err := httpx.Decode[patchChapterRequest](w, r, httpx.MaxBytes(maxChapterBody))
		return &req, err
	})
}

func (m *Module) writeChapter(w http.ResponseWriter, r *http.Request, decode func() (*patchChapterRequest, error)) error {
	projectID, _, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
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
	ctx := r.Context()
	ch, err := m.updateChapter(ctx, projectID, chapterID, authn.UserID(ctx), want, req.change())
	if err != nil {
		return err
	}
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, http.StatusOK, toChapterResponse(ch))
}

// handleDeleteChapter handles DELETE /api/v1/projects/{project_id}/chapters/{chapter_id}:
// the chapter goes to the trash and later chapters move up.
func (m *Module) handleDeleteChapter(w http.ResponseWriter, r *http.Request) error {
	projectID, _, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	if err := m.trashChapter(r.Context(), projectID, chapterID, want); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreChapter handles POST /api/v1/projects/{project_id}/chapters/{chapter_id}/restore.
func (m *Module) handleRestoreChapter(w http.ResponseWriter, r *http.Request) error {
	projectID, _, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	ch, err := m.restoreChapter(r.Context(), projectID, chapterID)
	if err != nil {
		return err
	}
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, http.StatusOK, toChapterResponse(ch))
}

// handleReorderChapters handles POST /api/v1/projects/{project_id}/chapters/reorder.
// The body lists every live chapter once, in the new order; the answer is
// the whole new order (without content).
func (m *Module) handleReorderChapters(w http.ResponseWriter, r *http.Request) error {
	projectID, _, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[reorderRequest](w, r, httpx.MaxBytes(64<<10))
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := m.reorderChapters(ctx, projectID, req.ChapterIDs); err != nil {
		return err
	}
	rows, err := m.q.ListChaptersByProject(ctx, store.ListChaptersByProjectParams{
		ProjectID: projectID, AfterPosition: -1, MaxRows: MaxChaptersPerProject,
	})
	if err != nil {
		return err
	}
	items := make([]chapterResponse, len(rows))
	conv := toChapterListItem(false)
	for i, row := range rows {
		items[i] = conv(row)
	}
	return httpx.Encode(w, http.StatusOK, page.Page[chapterResponse]{Items: items})
}
