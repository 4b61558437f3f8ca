package projects

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

const userIDParam = "user_id"

// handleListMembers handles GET /api/v1/projects/{project_id}/members.
func (m *Module) handleListMembers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	projectID, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.listMembers(ctx, authn.UserID(ctx), projectID, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, p)
}

// handleAddMember handles POST /api/v1/projects/{project_id}/members.
func (m *Module) handleAddMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	projectID, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[addMemberRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	mem, err := m.addMember(ctx, authn.UserID(ctx), projectID, *req.Email, *req.Role)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+projectID.String()+"/members/"+mem.UserID.String())
	return httpx.Encode(w, http.StatusCreated, mem)
}

// handleUpdateMember handles PATCH /api/v1/projects/{project_id}/members/{user_id}.
func (m *Module) handleUpdateMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	projectID, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	memberID, err := httpx.PathUUID(r, userIDParam)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[updateMemberRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	mem, err := m.updateMember(ctx, authn.UserID(ctx), projectID, memberID, *req.Role)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, mem)
}

// handleRemoveMember handles DELETE /api/v1/projects/{project_id}/members/{user_id}.
func (m *Module) handleRemoveMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	projectID, err := httpx.PathUUID(r, projectIDParam)
	if err != nil {
		return err
	}
	memberID, err := httpx.PathUUID(r, userIDParam)
	if err != nil {
		return err
	}
	if err := m.removeMember(ctx, authn.UserID(ctx), projectID, memberID); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
