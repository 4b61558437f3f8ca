package research

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleListNotes handles GET /api/v1/projects/{project_id}/notes.
// ?tag= (repeatable) keeps notes carrying every tag given; ?q= searches
// title and body and answers the best matches first, at most ?limit= of
// them, without a next page.
func (m *Module) handleListNotes(w http.ResponseWriter, r *http.Request) error {
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	f, err := noteFilterOf(r.URL.Query(), pr)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p, err := m.svc.ListNotes(ctx, access.GrantFrom(ctx), f, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toListedNoteResponse))
}

// handleCreateNote handles POST /api/v1/projects/{project_id}/notes.
func (m *Module) handleCreateNote(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[noteRequest](w, r, httpx.MaxBytes(maxNoteRequest))
	if err != nil {
		return err
	}
	ctx := r.Context()
	n, err := m.svc.CreateNote(ctx, access.GrantFrom(ctx), req.change())
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+n.ID.String())
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusCreated, toNoteResponse(n))
}

// handleGetNote handles GET /api/v1/projects/{project_id}/notes/{note_id}.
func (m *Module) handleGetNote(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	n, err := m.svc.GetNote(ctx, access.GrantFrom(ctx), id)
	if err != nil {
		return err
	}
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusOK, toNoteResponse(n))
}

// handlePutNote handles PUT .../notes/{note_id}: every field is replaced;
// absent body, tags, source_url and chapter_id are cleared.
func (m *Module) handlePutNote(w http.ResponseWriter, r *http.Request) error {
	return m.writeNote(w, r, m.svc.ReplaceNote, func() (noteRequest, error) {
		return httpx.Decode[noteRequest](w, r, httpx.MaxBytes(maxNoteRequest))
	})
}

// handlePatchNote handles PATCH .../notes/{note_id}: it changes the fields
// it names.
func (m *Module) handlePatchNote(w http.ResponseWriter, r *http.Request) error {
	return m.writeNote(w, r, m.svc.PatchNote, func() (noteRequest, error) {
		req, err := httpx.Decode[patchNoteRequest](w, r, httpx.MaxBytes(maxNoteRequest))
		return noteRequest(req), err
	})
}

// writeNote is PUT and PATCH, which differ in the body they take (decode)
// and in the service method that writes it (write).
func (m *Module) writeNote(w http.ResponseWriter, r *http.Request,
	write func(context.Context, access.Grant, uuid.UUID, expect.Version, noteChange) (note, error),
	decode func() (noteRequest, error),
) error {
	id, err := httpx.PathUUID(r, "note_id")
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
	n, err := write(ctx, access.GrantFrom(ctx), id, want, req.change())
	if err != nil {
		return err
	}
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusOK, toNoteResponse(n))
}

// handleDeleteNote handles DELETE .../notes/{note_id} (to the trash).
func (m *Module) handleDeleteNote(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := m.svc.TrashNote(ctx, access.GrantFrom(ctx), id, want); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreNote handles POST .../notes/{note_id}/restore.
func (m *Module) handleRestoreNote(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	n, err := m.svc.RestoreNote(ctx, access.GrantFrom(ctx), id)
	if err != nil {
		return err
	}
	httpx.SetETag(w, n.Version)
	return httpx.Encode(w, http.StatusOK, toNoteResponse(n))
}
