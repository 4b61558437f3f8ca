package projects

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

const userIDParam = "user_id"

// handleListMembers handles GET /api/v1/projects/{project_id}/members.
func (m *Module) handleListMembers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.svc.ListMembers(ctx, access.GrantFrom(ctx), pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toMemberResponse))
}

// handleAddMember handles POST /api/v1/projects/{project_id}/members.
func (m *Module) handleAddMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	req, err := httpx.Decode[addMemberRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	g := access.GrantFrom(ctx)
	mem, err := m.svc.AddMember(ctx, g, *req.Email, roles.Role(*req.Role))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+g.ProjectID.String()+"/members/"+mem.UserID.String())
	return httpx.Encode(w, http.StatusCreated, toMemberResponse(mem))
}

// handleUpdateMember handles PATCH /api/v1/projects/{project_id}/members/{user_id}.
func (m *Module) handleUpdateMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	memberID, err := httpx.PathUUID(r, userIDParam)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[updateMemberRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	mem, err := m.svc.UpdateMember(ctx, access.GrantFrom(ctx), memberID, roles.Role(*req.Role))
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toMemberResponse(mem))
}

// handleRemoveMember handles DELETE /api/v1/projects/{project_id}/members/{user_id}.
func (m *Module) handleRemoveMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	memberID, err := httpx.PathUUID(r, userIDParam)
	if err != nil {
		return err
	}
	if err := m.svc.RemoveMember(ctx, access.GrantFrom(ctx), memberID); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
