package research

import (
	"context"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleListCitations handles GET /api/v1/projects/{project_id}/citations,
// oldest first.
func (m *Module) handleListCitations(w http.ResponseWriter, r *http.Request) error {
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p, err := m.svc.ListCitations(ctx, access.GrantFrom(ctx), pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toCitationResponse))
}

// handleExportCitations handles GET .../citations/export?format=bibtex|csl-json:
// the whole bibliography, oldest citation first, as a file.
func (m *Module) handleExportCitations(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query()["format"]
	if len(format) != 1 || (format[0] != "bibtex" && format[0] != "csl-json") {
		return apperr.Field("format", "must be bibtex or csl-json")
	}
	ctx := r.Context()
	cs, err := m.svc.Bibliography(ctx, access.GrantFrom(ctx))
	if err != nil {
		return err
	}
	f, err := export(format[0], cs)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Disposition", `attachment; filename="bibliography.`+f.ext+`"`)
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.body)
	return nil
}

// handleCreateCitation handles POST /api/v1/projects/{project_id}/citations.
func (m *Module) handleCreateCitation(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[citationRequest](w, r, httpx.MaxBytes(maxCitationRequest))
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := m.svc.CreateCitation(ctx, access.GrantFrom(ctx), req.change(false))
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.ID.String())
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusCreated, toCitationResponse(c))
}

// handleGetCitation handles GET .../citations/{citation_id}.
func (m *Module) handleGetCitation(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := m.svc.GetCitation(ctx, access.GrantFrom(ctx), id)
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, toCitationResponse(c))
}

// handlePutCitation handles PUT .../citations/{citation_id}: every field is
// replaced.
func (m *Module) handlePutCitation(w http.ResponseWriter, r *http.Request) error {
	return m.writeCitation(w, r, m.svc.ReplaceCitation, func(req *citationRequest) error {
		if req.Title == nil {
			return apperr.Field("title", "required: PUT replaces the whole citation (use PATCH to change some fields)")
		}
		return nil
	})
}

// handlePatchCitation handles PATCH .../citations/{citation_id}: it changes
// the fields it names.
func (m *Module) handlePatchCitation(w http.ResponseWriter, r *http.Request) error {
	return m.writeCitation(w, r, m.svc.PatchCitation, func(*citationRequest) error { return nil })
}

// writeCitation is PUT and PATCH, which differ in what the body must hold
// (check) and in the service method that writes it (write).
func (m *Module) writeCitation(w http.ResponseWriter, r *http.Request,
	write func(context.Context, access.Grant, uuid.UUID, expect.Version, citationChange) (store.Citation, error),
	check func(*citationRequest) error,
) error {
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	req, err := httpx.Decode[citationRequest](w, r, httpx.MaxBytes(maxCitationRequest))
	if err != nil {
		return err
	}
	if err := check(&req); err != nil {
		return err
	}
	want, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := write(ctx, access.GrantFrom(ctx), id, want, req.change(true))
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, toCitationResponse(c))
}

// handleDeleteCitation handles DELETE .../citations/{citation_id} (to the
// trash).
func (m *Module) handleDeleteCitation(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := m.svc.TrashCitation(ctx, access.GrantFrom(ctx), id, want); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreCitation handles POST .../citations/{citation_id}/restore.
func (m *Module) handleRestoreCitation(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := m.svc.RestoreCitation(ctx, access.GrantFrom(ctx), id)
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, toCitationResponse(c))
}
