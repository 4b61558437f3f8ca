package ai

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/httpx"
)

// handleGetStyle handles GET /api/v1/projects/{project_id}/ai/style.
func (m *Module) handleGetStyle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := access.GrantFrom(ctx)
	s, err := m.svc.GetStyle(ctx, g)
	if err != nil {
		return err
	}
	httpx.SetETag(w, s.Version)
	return httpx.Encode(w, http.StatusOK, toStyleResponse(g.ProjectID, s))
}

// handlePutStyle handles PUT /api/v1/projects/{project_id}/ai/style. The
// version (If-Match or the body's) is optional: the sample has one writer
// at a time in practice, and a blind replace is what "paste my style" means.
func (m *Module) handlePutStyle(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[styleRequest](w, r, httpx.MaxBytes(maxOpRequest))
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	if req.Version != nil {
		if want, err = httpx.RequireVersion(r, req.Version); err != nil {
			return err
		}
	}
	ctx := r.Context()
	g := access.GrantFrom(ctx)
	s, err := m.svc.PutStyle(ctx, g, want, *req.Sample)
	if err != nil {
		return err
	}
	httpx.SetETag(w, s.Version)
	return httpx.Encode(w, http.StatusOK, toStyleResponse(g.ProjectID, s))
}
