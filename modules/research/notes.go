package research

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

var errNoteNotFound = apperr.New(apperr.NotFound, "note not found")

// handleListNotes handles GET /api/v1/projects/{project_id}/notes.
// ?tag= (repeatable) keeps notes carrying every tag given; ?q= searches
// title and body and answers the best matches first, at most ?limit= of
// them, without a next page.
func (m *Module) handleListNotes(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleViewer)
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	p := map[string]string{}
	tags := normalizeTags(p, "tag", qs["tag"])
	query := strings.TrimSpace(qs.Get("q"))
	switch {
	case len(qs["q"]) > 1:
		p["q"] = "give q once"
	case utf8.RuneCountInString(query) > MaxSearchQuery:
		p["q"] = fmt.Sprintf("must be at most %d characters", MaxSearchQuery)
	case strings.ContainsRune(query, 0):
		p["q"] = "must not contain NUL characters"
	case query != "" && pr.Cursor != "":
		p["cursor"] = "search results have no further pages; narrow the query or raise limit"
	}
	if err := apperr.Validation(p); err != nil {
		return err
	}
	ctx := r.Context()
	if query != "" {
		return m.searchNotes(w, r, projectID, query, tags, pr.Limit)
	}
	scope := "notes:" + projectID.String() + ":" + strings.Join(tags, ",")
	cur := struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}{T: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
	if pr.Cursor != "" {
		if err := m.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return err
		}
	}
	var rows []note
	if len(tags) == 0 {
		list, err := m.q.ListNotesByProject(ctx, store.ListNotesByProjectParams{ProjectID: projectID, BeforeTime: cur.T, BeforeID: cur.ID, MaxRows: int32(pr.Limit + 1)})
		if err != nil {
			return err
		}
		for _, n := range list {
			rows = append(rows, note(n))
		}
	} else {
		list, err := m.q.ListNotesByProjectAndTags(ctx, store.ListNotesByProjectAndTagsParams{ProjectID: projectID, Tags: tags, BeforeTime: cur.T, BeforeID: cur.ID, MaxRows: int32(pr.Limit + 1)})
		if err != nil {
			return err
		}
		for _, n := range list {
			rows = append(rows, note(n))
		}
	}
	return httpx.Encode(w, http.StatusOK, page.Build(m.cursors, scope, rows, pr.Limit, toNoteResponse,
		func(n note) any { return map[string]any{"t": n.UpdatedAt, "id": n.ID} }))
}

func (m *Module) searchNotes(w http.ResponseWriter, r *http.Request, projectID uuid.UUID, query string, tags []string, limit int) error {
	rows, err := m.q.SearchNotesByProject(r.Context(), store.SearchNotesByProjectParams{ProjectID: projectID, Query: query, Tags: tags, MaxRows: int32(limit)})
	if err != nil {
		return err
	}
	items := make([]noteResponse, len(rows))
	for i, n := range rows {
		items[i] = toNoteResponse(note{
			ID: n.ID, ProjectID: n.ProjectID, ChapterID: n.ChapterID, AuthorID: n.AuthorID, Title: n.Title, Body: n.Body,
			Tags: n.Tags, SourceUrl: n.SourceUrl, Version: n.Version, DeletedAt: n.DeletedAt, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
		})
		items[i].Rank = &n.Rank
	}
	return httpx.Encode(w, http.StatusOK, page.Page[noteResponse]{Items: items})
}

// checkChapter refuses a chapter_id that is not a live chapter of the
// project (the same answer whether it is elsewhere or nowhere).
func (m *Module) checkChapter(ctx context.Context, projectID uuid.UUID, id *uuid.UUID) error {
	if id == nil {
		return nil
	}
	ok, err := m.chapters.ChapterExists(ctx, projectID, *id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field("chapter_id", "must be a chapter of this project")
	}
	return nil
}

// handleCreateNote handles POST /api/v1/projects/{project_id}/notes.
func (m *Module) handleCreateNote(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	req, err := httpx.Decode[noteRequest](w, r, httpx.MaxBytes(maxNoteRequest))
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := m.checkChapter(ctx, projectID, req.ChapterID.Value); err != nil {
		return err
	}
	userID := authn.UserID(ctx)
	var n store.CreateNoteRow
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := checkCapacity(ctx, q, projectID, q.CountNotesByProject, MaxNotesPerProject, "notes"); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		tags := req.Tags
		if tags == nil {
			tags = []string{}
		}
		n, err = q.CreateNote(ctx, store.CreateNoteParams{
			ID: id, ProjectID: projectID, ChapterID: req.ChapterID.Value, AuthorID: &userID,
			Title: *req.Title, Body: deref(req.Body), Tags: tags, SourceUrl: req.SourceURL.Value,
		})
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+n.ID.String())
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusCreated, toNoteResponse(note(n)))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// handleGetNote handles GET /api/v1/projects/{project_id}/notes/{note_id}.
func (m *Module) handleGetNote(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleViewer)
	if err != nil {
		return err
	}
	noteID, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	n, err := m.q.GetNote(r.Context(), store.GetNoteParams{ID: noteID, ProjectID: projectID})
	if db.IsNoRows(err) {
		return errNoteNotFound
	}
	if err != nil {
		return err
	}
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusOK, toNoteResponse(n))
}

// handlePutNote handles PUT .../notes/{note_id}: every field is replaced;
// absent body, tags, source_url and chapter_id are cleared.
func (m *Module) handlePutNote(w http.ResponseWriter, r *http.Request) error {
	return m.writeNote(w, r, false)
}

// handlePatchNote handles PATCH .../notes/{note_id}.
func (m *Module) handlePatchNote(w http.ResponseWriter, r *http.Request) error {
	return m.writeNote(w, r, true)
}

func (m *Module) writeNote(w http.ResponseWriter, r *http.Request, partial bool) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	noteID, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	req, err := decodeNote(w, r, partial)
	if err != nil {
		return err
	}
	want, err := httpx.RequireVersion(r, req.Version)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := m.checkChapter(ctx, projectID, req.ChapterID.Value); err != nil {
		return err
	}
	var out store.UpdateNoteRow
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		n, err := q.GetNoteForUpdate(ctx, store.GetNoteForUpdateParams{ID: noteID, ProjectID: projectID})
		if db.IsNoRows(err) {
			return errNoteNotFound
		}
		if err != nil {
			return fmt.Errorf("lock note: %w", err)
		}
		if err := want.Check(n.Version); err != nil {
			return err
		}
		next := store.UpdateNoteParams{ID: n.ID, Title: n.Title, Body: n.Body, Tags: n.Tags, SourceUrl: n.SourceUrl, ChapterID: n.ChapterID}
		if !partial {
			next = store.UpdateNoteParams{ID: n.ID, Tags: []string{}}
		}
		if req.Title != nil {
			next.Title = *req.Title
		}
		if req.Body != nil {
			next.Body = *req.Body
		}
		if req.Tags != nil {
			next.Tags = req.Tags
		}
		if req.SourceURL.Set {
			next.SourceUrl = req.SourceURL.Value
		}
		if req.ChapterID.Set {
			next.ChapterID = req.ChapterID.Value
		}
		out, err = q.UpdateNote(ctx, next)
		return err
	})
	if err != nil {
		return err
	}
	httpx.SetETag(w, out.Version)
	return httpx.Encode(w, http.StatusOK, toNoteResponse(note(out)))
}

// handleDeleteNote handles DELETE .../notes/{note_id} (to the trash).
func (m *Module) handleDeleteNote(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	noteID, err := httpx.PathUUID(r, "note_id")
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
		n, err := q.GetNoteForUpdate(ctx, store.GetNoteForUpdateParams{ID: noteID, ProjectID: projectID})
		if db.IsNoRows(err) {
			return errNoteNotFound
		}
		if err != nil {
			return fmt.Errorf("lock note: %w", err)
		}
		if err := want.Check(n.Version); err != nil {
			return err
		}
		_, err = q.TrashNote(ctx, store.TrashNoteParams{ID: noteID, ProjectID: projectID})
		return err
	})
	if err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreNote handles POST .../notes/{note_id}/restore.
func (m *Module) handleRestoreNote(w http.ResponseWriter, r *http.Request) error {
	projectID, err := m.access(r, RoleEditor)
	if err != nil {
		return err
	}
	noteID, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var n store.RestoreNoteRow
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		err := checkCapacity(ctx, q, projectID, q.CountNotesByProject, MaxNotesPerProject, "notes")
		if err != nil {
			return err
		}
		n, err = q.RestoreNote(ctx, store.RestoreNoteParams{ID: noteID, ProjectID: projectID, RetentionSecs: TrashRetention.Seconds()})
		if db.IsNoRows(err) {
			return apperr.New(apperr.NotFound, "no such note in the trash")
		}
		return err
	})
	if err != nil {
		return err
	}
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusOK, toNoteResponse(note(n)))
}
