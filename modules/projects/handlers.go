package projects

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

const projectIDParam = "project_id"

// handleListProjects handles GET /api/v1/projects.
func (m *Module) handleListProjects(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.listProjects(ctx, authn.UserID(ctx), pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, p)
}

// handleCreateProject handles POST /api/v1/projects.
func (m *Module) handleCreateProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	req, err := httpx.Decode[createProjectRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	p, err := m.createProject(ctx, authn.UserID(ctx), req.fields())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+p.ID.String())
	httpx.SetETag(w, p.Version)
	return httpx.Encode(w, http.StatusCreated, p)
}

// handleGetProject handles GET /api/v1/projects/{project_id}.
func (m *Module) handleGetProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	p, err := m.getProject(ctx, authn.UserID(ctx), id)
	if err != nil {
		return err
	}
	httpx.SetETag(w, p.Version)
	return httpx.Encode(w, http.StatusOK, p)
}

// handleReplaceProject handles PUT /api/v1/projects/{project_id}: every
// editable field is replaced; absent optional fields become empty.
func (m *Module) handleReplaceProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[replaceProjectRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	pre, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	f := toFields(req.Title, req.Description, req.Genre, req.TargetWordCount)
	p, err := m.updateProject(ctx, authn.UserID(ctx), id, pre, func(projectFields) projectFields { return f })
	if err != nil {
		return err
	}
	httpx.SetETag(w, p.Version)
	return httpx.Encode(w, http.StatusOK, p)
}

// handlePatchProject handles PATCH /api/v1/projects/{project_id} (JSON merge
// patch: absent fields are kept, null clears).
func (m *Module) handlePatchProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[patchProjectRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	pre, err := httpx.RequireVersion(r, present(req.Version))
	if err != nil {
		return err
	}
	p, err := m.updateProject(ctx, authn.UserID(ctx), id, pre, req.apply)
	if err != nil {
		return err
	}
	httpx.SetETag(w, p.Version)
	return httpx.Encode(w, http.StatusOK, p)
}

// handleDeleteProject handles DELETE /api/v1/projects/{project_id}: the
// project goes to the trash. If-Match is honoured when sent.
func (m *Module) handleDeleteProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	pre, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	if err := m.trashProject(ctx, authn.UserID(ctx), id, pre); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreProject handles POST /api/v1/projects/{project_id}/restore.
func (m *Module) handleRestoreProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	p, err := m.restoreProject(ctx, authn.UserID(ctx), id)
	if err != nil {
		return err
	}
	httpx.SetETag(w, p.Version)
	return httpx.Encode(w, http.StatusOK, p)
}

// handleListTrash handles GET /api/v1/trash: the caller's deleted projects
// that can still be restored.
func (m *Module) handleListTrash(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.listTrash(ctx, authn.UserID(ctx), pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, p)
}
