package research

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

var errCitationNotFound = apperr.New(apperr.NotFound, "citation not found")

type citationResponse struct {
	ID        uuid.UUID `json:"id"`
	ProjectID uuid.UUID `json:"project_id"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Authors   []string  `json:"authors"`
	Year      *int32    `json:"year"`
	Publisher string    `json:"publisher"`
	URL       string    `json:"url"`
	DOI       string    `json:"doi"`
	ISBN      string    `json:"isbn"`
	Pages     string    `json:"pages"`
	Notes     string    `json:"notes"`
	Version   int32     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toCitationResponse(c store.Citation) citationResponse {
	authors := c.Authors
	if authors == nil {
		authors = []string{}
	}
	return citationResponse{
		ID: c.ID, ProjectID: c.ProjectID, Type: c.Type, Title: c.Title, Authors: authors, Year: c.Year,
		Publisher: c.Publisher, URL: c.Url, DOI: c.Doi, ISBN: c.Isbn, Pages: c.Pages, Notes: c.Notes,
		Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

// citationRequest is the body of POST and PUT (which replace every field;
// absent optional fields are cleared, type defaults to book) and of PATCH
// (which changes the fields it names; null clears year).
type citationRequest struct {
	Type      *string         `json:"type"`
	Title     *string         `json:"title"`
	Authors   []string        `json:"authors"`
	Year      nullable[int32] `json:"year"`
	Publisher *string         `json:"publisher"`
	URL       *string         `json:"url"`
	DOI       *string         `json:"doi"`
	ISBN      *string         `json:"isbn"`
	Pages     *string         `json:"pages"`
	Notes     *string         `json:"notes"`
	Version   *int32          `json:"version"`
}

// apply overlays the request on base (the stored citation for PATCH, zero
// values for POST and PUT).
func (r *citationRequest) apply(base citationFields) citationFields {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&base.Type, r.Type)
	set(&base.Title, r.Title)
	set(&base.Publisher, r.Publisher)
	set(&base.URL, r.URL)
	set(&base.DOI, r.DOI)
	set(&base.ISBN, r.ISBN)
	set(&base.Pages, r.Pages)
	set(&base.Notes, r.Notes)
	if r.Authors != nil {
		base.Authors = append([]string(nil), r.Authors...)
	}
	if r.Year.Set {
		base.Year = r.Year.Value
	}
	if base.Authors == nil {
		base.Authors = []string{}
	}
	return base
}

func fieldsOf(c store.Citation) citationFields {
	return citationFields{
		Type: c.Type, Title: c.Title, Authors: c.Authors, Year: c.Year, Publisher: c.Publisher,
		URL: c.Url, DOI: c.Doi, ISBN: c.Isbn, Pages: c.Pages, Notes: c.Notes,
	}
}

func validateCitation(f *citationFields, version *int32) error {
	p := map[string]string{}
	f.validate(p)
	if version != nil && *version < 1 {
		p["version"] = "must be 1 or more"
	}
	return apperr.Validation(p)
}

// handleListCitations handles GET /api/v1/projects/{project_id}/citations,
// oldest first.
func (m *Module) handleListCitations(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleViewer)
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	scope := "citations:" + projectID.String()
	var cur struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}
	if pr.Cursor != "" {
		if err := m.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return err
		}
	}
	rows, err := m.q.ListCitationsByProject(r.Context(), store.ListCitationsByProjectParams{
		ProjectID: projectID, AfterTime: cur.T, AfterID: cur.ID, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Build(m.cursors, scope, rows, pr.Limit, toCitationResponse,
		func(c store.Citation) any { return map[string]any{"t": c.CreatedAt, "id": c.ID} }))
}

// handleCreateCitation handles POST /api/v1/projects/{project_id}/citations.
func (m *Module) handleCreateCitation(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[citationRequest](w, r, httpx.MaxBytes(maxCitationRequest))
	if err != nil {
		return err
	}
	f := req.apply(citationFields{Type: "book"})
	if err := validateCitation(&f, nil); err != nil {
		return err
	}
	ctx := r.Context()
	var c store.Citation
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := checkCapacity(ctx, q, projectID, q.CountCitationsByProject, MaxCitationsPerProject, "citations"); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		c, err = q.CreateCitation(ctx, store.CreateCitationParams{
			ID: id, ProjectID: projectID, Type: f.Type, Title: f.Title, Authors: f.Authors, Year: f.Year,
			Publisher: f.Publisher, Url: f.URL, Doi: f.DOI, Isbn: f.ISBN, Pages: f.Pages, Notes: f.Notes,
		})
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.ID.String())
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusCreated, toCitationResponse(c))
}

// handleGetCitation handles GET .../citations/{citation_id}.
func (m *Module) handleGetCitation(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleViewer)
	if err != nil {
		return err
	}
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	c, err := m.q.GetCitation(r.Context(), store.GetCitationParams{ID: id, ProjectID: projectID})
	if db.IsNoRows(err) {
		return errCitationNotFound
	}
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, toCitationResponse(c))
}

// handlePutCitation handles PUT .../citations/{citation_id}.
func (m *Module) handlePutCitation(w http.ResponseWriter, r *http.Request) error {
	return m.writeCitation(w, r, false)
}

// handlePatchCitation handles PATCH .../citations/{citation_id}.
func (m *Module) handlePatchCitation(w http.ResponseWriter, r *http.Request) error {
	return m.writeCitation(w, r, true)
}

func (m *Module) writeCitation(w http.ResponseWriter, r *http.Request, partial bool) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	req, err := httpx.Decode[citationRequest](w, r, httpx.MaxBytes(maxCitationRequest))
	if err != nil {
		return err
	}
	if !partial && req.Title == nil {
		return apperr.Field("title", "required: PUT replaces the whole citation (use PATCH to change some fields)")
	}
	want, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var out store.Citation
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		c, err := q.GetCitationForUpdate(ctx, store.GetCitationForUpdateParams{ID: id, ProjectID: projectID})
		if db.IsNoRows(err) {
			return errCitationNotFound
		}
		if err != nil {
			return fmt.Errorf("lock citation: %w", err)
		}
		base := citationFields{Type: "book"}
		if partial {
			base = fieldsOf(c)
		}
		f := req.apply(base)
		if err := validateCitation(&f, req.Version); err != nil {
			return err
		}
		if err := want.Check(c.Version); err != nil {
			return err
		}
		out, err = q.UpdateCitation(ctx, store.UpdateCitationParams{
			ID: c.ID, Type: f.Type, Title: f.Title, Authors: f.Authors, Year: f.Year, Publisher: f.Publisher,
			Url: f.URL, Doi: f.DOI, Isbn: f.ISBN, Pages: f.Pages, Notes: f.Notes,
		})
		return err
	})
	if err != nil {
		return err
	}
	httpx.SetETag(w, out.Version)
	return httpx.Encode(w, http.StatusOK, toCitationResponse(out))
}

// handleDeleteCitation handles DELETE .../citations/{citation_id} (to the trash).
func (m *Module) handleDeleteCitation(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		c, err := q.GetCitationForUpdate(ctx, store.GetCitationForUpdateParams{ID: id, ProjectID: projectID})
		if db.IsNoRows(err) {
			return errCitationNotFound
		}
		if err != nil {
			return fmt.Errorf("lock citation: %w", err)
		}
		if err := want.Check(c.Version); err != nil {
			return err
		}
		_, err = q.TrashCitation(ctx, store.TrashCitationParams{ID: id, ProjectID: projectID})
		return err
	})
	if err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreCitation handles POST .../citations/{citation_id}/restore.
func (m *Module) handleRestoreCitation(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	id, err := httpx.PathUUID(r, "citation_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var c store.Citation
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		err := checkCapacity(ctx, q, projectID, q.CountCitationsByProject, MaxCitationsPerProject, "citations")
		if err != nil {
			return err
		}
		c, err = q.RestoreCitation(ctx, store.RestoreCitationParams{ID: id, ProjectID: projectID, RetentionSecs: TrashRetention.Seconds()})
		if db.IsNoRows(err) {
			return apperr.New(apperr.NotFound, "no such citation in the trash")
		}
		return err
	})
	if err != nil {
		return err
	}
	httpx.SetETag(w, c.Version)
	return httpx.Encode(w, http.StatusOK, toCitationResponse(c))
}
