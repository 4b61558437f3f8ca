package research

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
)

var errCitationNotFound = apperr.New(apperr.NotFound, "citation not found")

// ListCitations returns a page of the project's citations, oldest first.
func (s *service) ListCitations(ctx context.Context, g access.Grant, pr page.Request) (page.Page[store.Citation], error) {
	scope := "citations:" + g.ProjectID.String()
	var cur struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return page.Page[store.Citation]{}, err
		}
	}
	rows, err := s.q.ListCitationsByProject(ctx, store.ListCitationsByProjectParams{
		ProjectID: g.ProjectID, AfterTime: cur.T, AfterID: cur.ID, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[store.Citation]{}, fmt.Errorf("list citations: %w", err)
	}
	return page.Build(s.cursors, scope, rows, pr.Limit, func(c store.Citation) store.Citation { return c },
		func(c store.Citation) any { return map[string]any{"t": c.CreatedAt, "id": c.ID} }), nil
}

// Bibliography returns every live citation of the project, oldest first,
// in one query (a project holds at most MaxCitationsPerProject).
func (s *service) Bibliography(ctx context.Context, g access.Grant) ([]store.Citation, error) {
	rows, err := s.q.ListCitationsByProject(ctx, store.ListCitationsByProjectParams{
		ProjectID: g.ProjectID, AfterTime: time.Time{}, MaxRows: MaxCitationsPerProject,
	})
	if err != nil {
		return nil, fmt.Errorf("list citations: %w", err)
	}
	return rows, nil
}

// GetCitation returns a live citation of the project.
func (s *service) GetCitation(ctx context.Context, g access.Grant, id uuid.UUID) (store.Citation, error) {
	c, err := s.q.GetCitation(ctx, store.GetCitationParams{ID: id, ProjectID: g.ProjectID})
	if db.IsNoRows(err) {
		return store.Citation{}, errCitationNotFound
	}
	if err != nil {
		return store.Citation{}, fmt.Errorf("get citation: %w", err)
	}
	return c, nil
}

// CreateCitation adds a citation: the fields ch names over a book with
// nothing else set.
func (s *service) CreateCitation(ctx context.Context, g access.Grant, ch citationChange) (store.Citation, error) {
	f, err := ch.fields(citationFields{Type: "book"})
	if err != nil {
		return store.Citation{}, err
	}
	var c store.Citation
	err = s.write(ctx, g, func(q *store.Queries) error {
		if err := checkCapacity(ctx, q, g.ProjectID, q.CountCitationsByProject, MaxCitationsPerProject, "citations"); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		c, err = q.CreateCitation(ctx, store.CreateCitationParams{
			ID: id, ProjectID: g.ProjectID, Type: f.Type, Title: f.Title, Authors: f.Authors, Year: f.Year,
			Publisher: f.Publisher, Url: f.URL, Doi: f.DOI, Isbn: f.ISBN, Pages: f.Pages, Notes: f.Notes,
		})
		if err != nil {
			return fmt.Errorf("create citation: %w", err)
		}
		return nil
	})
	return c, err
}

// ReplaceCitation replaces every field of a citation: what ch leaves out is
// cleared (and the type is a book again).
func (s *service) ReplaceCitation(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version, ch citationChange) (store.Citation, error) {
	return s.updateCitation(ctx, g, id, want, ch, false)
}

// PatchCitation changes the fields ch names.
func (s *service) PatchCitation(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version, ch citationChange) (store.Citation, error) {
	return s.updateCitation(ctx, g, id, want, ch, true)
}

func (s *service) updateCitation(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version, ch citationChange, partial bool) (store.Citation, error) {
	var out store.Citation
	err := s.write(ctx, g, func(q *store.Queries) error {
		c, err := lockCitation(ctx, q, g.ProjectID, id)
		if err != nil {
			return err
		}
		base := citationFields{Type: "book"}
		if partial {
			base = fieldsOf(c)
		}
		// The fields are validated once merged with the stored citation, so
		// a PATCH is judged by the citation it produces.
		f, err := ch.fields(base)
		if err != nil {
			return err
		}
		if err := want.Check(c.Version); err != nil {
			return err
		}
		out, err = q.UpdateCitation(ctx, store.UpdateCitationParams{
			ID: c.ID, Type: f.Type, Title: f.Title, Authors: f.Authors, Year: f.Year, Publisher: f.Publisher,
			Url: f.URL, Doi: f.DOI, Isbn: f.ISBN, Pages: f.Pages, Notes: f.Notes,
		})
		if err != nil {
			return fmt.Errorf("update citation: %w", err)
		}
		return nil
	})
	return out, err
}

// TrashCitation moves a citation to the trash.
func (s *service) TrashCitation(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version) error {
	return s.write(ctx, g, func(q *store.Queries) error {
		c, err := lockCitation(ctx, q, g.ProjectID, id)
		if err != nil {
			return err
		}
		if err := want.Check(c.Version); err != nil {
			return err
		}
		if err := q.TrashCitation(ctx, c.ID); err != nil {
			return fmt.Errorf("trash citation: %w", err)
		}
		return nil
	})
}

// RestoreCitation brings a citation back from the trash while its
// retention lasts.
func (s *service) RestoreCitation(ctx context.Context, g access.Grant, id uuid.UUID) (store.Citation, error) {
	var c store.Citation
	err := s.write(ctx, g, func(q *store.Queries) error {
		err := checkCapacity(ctx, q, g.ProjectID, q.CountCitationsByProject, MaxCitationsPerProject, "citations")
		if err != nil {
			return err
		}
		c, err = q.RestoreCitation(ctx, store.RestoreCitationParams{ID: id, ProjectID: g.ProjectID, RetentionSecs: TrashRetention.Seconds()})
		if db.IsNoRows(err) {
			return apperr.New(apperr.NotFound, "no such citation in the trash")
		}
		if err != nil {
			return fmt.Errorf("restore citation: %w", err)
		}
		return nil
	})
	return c, err
}

// lockCitation locks a live citation of the project for the rest of q's
// transaction.
func lockCitation(ctx context.Context, q *store.Queries, projectID, id uuid.UUID) (store.Citation, error) {
	c, err := q.GetCitationForUpdate(ctx, store.GetCitationForUpdateParams{ID: id, ProjectID: projectID})
	if db.IsNoRows(err) {
		return store.Citation{}, errCitationNotFound
	}
	if err != nil {
		return store.Citation{}, fmt.Errorf("lock citation: %w", err)
	}
	return c, nil
}
