package research

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleListAttachments handles GET .../notes/{note_id}/attachments: the
// note's confirmed attachments, oldest first.
func (m *Module) handleListAttachments(w http.ResponseWriter, r *http.Request) error {
	noteID, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p, err := m.svc.ListAttachments(ctx, access.GrantFrom(ctx), noteID, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toAttachmentResponse))
}

// handleCreateAttachment handles POST .../notes/{note_id}/attachments: a
// pending attachment and the presigned request that uploads its bytes.
func (m *Module) handleCreateAttachment(w http.ResponseWriter, r *http.Request) error {
	noteID, err := httpx.PathUUID(r, "note_id")
	if err != nil {
		return err
	}
	req, err := httpx.Decode[attachmentRequest](w, r, httpx.MaxBytes(maxAttachmentRequest))
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, up, err := m.svc.CreateAttachment(ctx, access.GrantFrom(ctx), noteID, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+a.ID.String())
	return httpx.Encode(w, http.StatusCreated, newAttachmentResponse{attachmentResponse: toAttachmentResponse(a), Upload: up})
}

// attachmentIDs parses {note_id} and {attachment_id}.
func attachmentIDs(r *http.Request) (noteID, id uuid.UUID, err error) {
	if noteID, err = httpx.PathUUID(r, "note_id"); err != nil {
		return
	}
	id, err = httpx.PathUUID(r, "attachment_id")
	return
}

// handleConfirmAttachment handles POST .../attachments/{attachment_id}/confirm.
func (m *Module) handleConfirmAttachment(w http.ResponseWriter, r *http.Request) error {
	noteID, id, err := attachmentIDs(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := m.svc.ConfirmAttachment(ctx, access.GrantFrom(ctx), noteID, id)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toAttachmentResponse(a))
}

// handleGetAttachment handles GET .../attachments/{attachment_id}: a 302 to
// a short-lived presigned read of the file.
func (m *Module) handleGetAttachment(w http.ResponseWriter, r *http.Request) error {
	noteID, id, err := attachmentIDs(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	req, err := m.svc.AttachmentURL(ctx, access.GrantFrom(ctx), noteID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", req.URL)
	w.WriteHeader(http.StatusFound)
	return nil
}

// handleDeleteAttachment handles DELETE .../attachments/{attachment_id}.
func (m *Module) handleDeleteAttachment(w http.ResponseWriter, r *http.Request) error {
	noteID, id, err := attachmentIDs(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := m.svc.DeleteAttachment(ctx, access.GrantFrom(ctx), noteID, id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
