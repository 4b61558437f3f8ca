package research

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
)

var errNoteNotFound = apperr.New(apperr.NotFound, "note not found")

// note is one stored note. Every note query but search returns exactly
// these columns, so its row converts with note(row); search adds rank.
type note = store.GetNoteRow

// listedNote is a note in a list; Rank is set on search results.
type listedNote struct {
	note
	Rank *float64
}

// noteFilter selects the notes of a list: those carrying every tag in Tags
// and, when Query is set, matching it (best match first, one page only).
type noteFilter struct {
	Tags  []string
	Query string
}

// noteChange is a validated note write. Create and replace store it as it
// is (absent optional fields are empty); patch changes only what it names.
type noteChange struct {
	Title     *string
	Body      *string
	Tags      []string
	SourceURL nullable[string]
	ChapterID nullable[uuid.UUID]
}

// ListNotes returns a page of the project's notes, newest change first, or
// the best matches of f.Query (without a next page).
func (s *service) ListNotes(ctx context.Context, g access.Grant, f noteFilter, pr page.Request) (page.Page[listedNote], error) {
	if f.Query != "" {
		return s.searchNotes(ctx, g, f, pr.Limit)
	}
	scope := "notes:" + g.ProjectID.String() + ":" + strings.Join(f.Tags, ",")
	cur := struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}{T: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return page.Page[listedNote]{}, err
		}
	}
	var rows []note
	if len(f.Tags) == 0 {
		list, err := s.q.ListNotesByProject(ctx, store.ListNotesByProjectParams{ProjectID: g.ProjectID, BeforeTime: cur.T, BeforeID: cur.ID, MaxRows: int32(pr.Limit + 1)})
		if err != nil {
			return page.Page[listedNote]{}, fmt.Errorf("list notes: %w", err)
		}
		for _, n := range list {
			rows = append(rows, note(n))
		}
	} else {
		list, err := s.q.ListNotesByProjectAndTags(ctx, store.ListNotesByProjectAndTagsParams{ProjectID: g.ProjectID, Tags: f.Tags, BeforeTime: cur.T, BeforeID: cur.ID, MaxRows: int32(pr.Limit + 1)})
		if err != nil {
			return page.Page[listedNote]{}, fmt.Errorf("list notes by tags: %w", err)
		}
		for _, n := range list {
			rows = append(rows, note(n))
		}
	}
	return page.Build(s.cursors, scope, rows, pr.Limit, func(n note) listedNote { return listedNote{note: n} },
		func(n note) any { return map[string]any{"t": n.UpdatedAt, "id": n.ID} }), nil
}

func (s *service) searchNotes(ctx context.Context, g access.Grant, f noteFilter, limit int) (page.Page[listedNote], error) {
	rows, err := s.q.SearchNotesByProject(ctx, store.SearchNotesByProjectParams{ProjectID: g.ProjectID, Query: f.Query, Tags: f.Tags, MaxRows: int32(limit)})
	if err != nil {
		return page.Page[listedNote]{}, fmt.Errorf("search notes: %w", err)
	}
	items := make([]listedNote, len(rows))
	for i, n := range rows {
		items[i] = listedNote{note: note{
			ID: n.ID, ProjectID: n.ProjectID, ChapterID: n.ChapterID, AuthorID: n.AuthorID, Title: n.Title, Body: n.Body,
			Tags: n.Tags, SourceUrl: n.SourceUrl, Version: n.Version, DeletedAt: n.DeletedAt, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
		}, Rank: &n.Rank}
	}
	return page.Page[listedNote]{Items: items}, nil
}

// GetNote returns a live note of the project.
func (s *service) GetNote(ctx context.Context, g access.Grant, id uuid.UUID) (note, error) {
	n, err := s.q.GetNote(ctx, store.GetNoteParams{ID: id, ProjectID: g.ProjectID})
	if db.IsNoRows(err) {
		return note{}, errNoteNotFound
	}
	if err != nil {
		return note{}, fmt.Errorf("get note: %w", err)
	}
	return n, nil
}

// CreateNote adds a note written by the grant's user; c names a title.
func (s *service) CreateNote(ctx context.Context, g access.Grant, c noteChange) (note, error) {
	if err := s.checkChapter(ctx, g.ProjectID, c.ChapterID.Value); err != nil {
		return note{}, err
	}
	var n store.CreateNoteRow
	err := s.write(ctx, g, func(q *store.Queries) error {
		if err := checkCapacity(ctx, q, g.ProjectID, q.CountNotesByProject, MaxNotesPerProject, "notes"); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		tags := c.Tags
		if tags == nil {
			tags = []string{}
		}
		n, err = q.CreateNote(ctx, store.CreateNoteParams{
			ID: id, ProjectID: g.ProjectID, ChapterID: c.ChapterID.Value, AuthorID: &g.UserID,
			Title: *c.Title, Body: deref(c.Body), Tags: tags, SourceUrl: c.SourceURL.Value,
		})
		if err != nil {
			return fmt.Errorf("create note: %w", err)
		}
		return nil
	})
	return note(n), err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ReplaceNote replaces every field of a note: what c leaves out is cleared.
func (s *service) ReplaceNote(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version, c noteChange) (note, error) {
	return s.updateNote(ctx, g, id, want, c, false)
}

// PatchNote changes the fields c names.
func (s *service) PatchNote(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version, c noteChange) (note, error) {
	return s.updateNote(ctx, g, id, want, c, true)
}

func (s *service) updateNote(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version, c noteChange, partial bool) (note, error) {
	if err := s.checkChapter(ctx, g.ProjectID, c.ChapterID.Value); err != nil {
		return note{}, err
	}
	var out store.UpdateNoteRow
	err := s.write(ctx, g, func(q *store.Queries) error {
		n, err := lockNote(ctx, q, g.ProjectID, id)
		if err != nil {
			return err
		}
		if err := want.Check(n.Version); err != nil {
			return err
		}
		next := store.UpdateNoteParams{ID: n.ID, Title: n.Title, Body: n.Body, Tags: n.Tags, SourceUrl: n.SourceUrl, ChapterID: n.ChapterID}
		if !partial {
			next = store.UpdateNoteParams{ID: n.ID, Tags: []string{}}
		}
		if c.Title != nil {
			next.Title = *c.Title
		}
		if c.Body != nil {
			next.Body = *c.Body
		}
		if c.Tags != nil {
			next.Tags = c.Tags
		}
		if c.SourceURL.Set {
			next.SourceUrl = c.SourceURL.Value
		}
		if c.ChapterID.Set {
			next.ChapterID = c.ChapterID.Value
		}
		if out, err = q.UpdateNote(ctx, next); err != nil {
			return fmt.Errorf("update note: %w", err)
		}
		return nil
	})
	return note(out), err
}

// TrashNote moves a note to the trash.
func (s *service) TrashNote(ctx context.Context, g access.Grant, id uuid.UUID, want expect.Version) error {
	return s.write(ctx, g, func(q *store.Queries) error {
		n, err := lockNote(ctx, q, g.ProjectID, id)
		if err != nil {
			return err
		}
		if err := want.Check(n.Version); err != nil {
			return err
		}
		if err := q.TrashNote(ctx, n.ID); err != nil {
			return fmt.Errorf("trash note: %w", err)
		}
		return nil
	})
}

// RestoreNote brings a note back from the trash while its retention lasts.
func (s *service) RestoreNote(ctx context.Context, g access.Grant, id uuid.UUID) (note, error) {
	var n store.RestoreNoteRow
	err := s.write(ctx, g, func(q *store.Queries) error {
		err := checkCapacity(ctx, q, g.ProjectID, q.CountNotesByProject, MaxNotesPerProject, "notes")
		if err != nil {
			return err
		}
		n, err = q.RestoreNote(ctx, store.RestoreNoteParams{ID: id, ProjectID: g.ProjectID, RetentionSecs: TrashRetention.Seconds()})
		if db.IsNoRows(err) {
			return apperr.New(apperr.NotFound, "no such note in the trash")
		}
		if err != nil {
			return fmt.Errorf("restore note: %w", err)
		}
		return nil
	})
	return note(n), err
}

// lockNote locks a live note of the project for the rest of q's
// transaction.
func lockNote(ctx context.Context, q *store.Queries, projectID, id uuid.UUID) (note, error) {
	n, err := q.GetNoteForUpdate(ctx, store.GetNoteForUpdateParams{ID: id, ProjectID: projectID})
	if db.IsNoRows(err) {
		return note{}, errNoteNotFound
	}
	if err != nil {
		return note{}, fmt.Errorf("lock note: %w", err)
	}
	return note(n), nil
}
