package research

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
)

// attachment is one stored attachment row.
type attachment = store.ResearchAttachment

const (
	attachmentPending = "pending"
	attachmentReady   = "ready"
)

var errAttachmentNotFound = apperr.New(apperr.NotFound, "attachment not found")

// objectKey is where an attachment's bytes live once confirmed: under its
// project and note, named by ids only (never by anything a client sent).
func objectKey(projectID, noteID, id uuid.UUID) string {
	return fmt.Sprintf("projects/%s/notes/%s/%s", projectID, noteID, id)
}

// uploadKey is where the presigned upload writes, until confirm copies the
// object out of the link's reach.
func uploadKey(objectKey string) string { return objectKey + ".upload" }

// CreateAttachment records a pending attachment of a live note and presigns
// the upload of exactly the declared bytes.
func (s *service) CreateAttachment(ctx context.Context, g access.Grant, noteID uuid.UUID, r attachmentRequest) (attachment, blob.Request, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return attachment{}, blob.Request{}, err
	}
	key := objectKey(g.ProjectID, noteID, id)
	// Signing needs no round trip; it is done before the transaction.
	up, err := s.blobs.PresignPut(ctx, uploadKey(key), blob.PutParams{ContentType: r.ContentType, Size: r.Size, TTL: UploadURLTTL})
	if err != nil {
		return attachment{}, blob.Request{}, fmt.Errorf("presign upload: %w", err)
	}
	var a attachment
	err = s.write(ctx, g, func(q *store.Queries) error {
		// The note's row lock keeps concurrent uploads from all passing the
		// same count.
		if _, err := lockNote(ctx, q, g.ProjectID, noteID); err != nil {
			return err
		}
		n, err := q.CountAttachmentsByNote(ctx, noteID)
		if err != nil {
			return fmt.Errorf("count attachments: %w", err)
		}
		if n >= MaxAttachmentsPerNote {
			return apperr.Newf(apperr.Conflict, "a note holds at most %d attachments (uploads not yet confirmed included)", MaxAttachmentsPerNote)
		}
		a, err = q.CreateAttachment(ctx, store.CreateAttachmentParams{
			ID: id, ProjectID: g.ProjectID, NoteID: noteID, UploaderID: &g.UserID, ObjectKey: key,
			Filename: r.Filename, ContentType: r.ContentType, Size: r.Size, UploadExpiresAt: up.ExpiresAt,
		})
		if err != nil {
			return fmt.Errorf("create attachment: %w", err)
		}
		return nil
	})
	return a, up, err
}

// getAttachment returns an attachment of a live note of the project, in
// any status.
func (s *service) getAttachment(ctx context.Context, g access.Grant, noteID, id uuid.UUID) (attachment, error) {
	a, err := s.q.GetAttachment(ctx, store.GetAttachmentParams{ID: id, NoteID: noteID, ProjectID: g.ProjectID})
	if db.IsNoRows(err) {
		return attachment{}, errAttachmentNotFound
	}
	if err != nil {
		return attachment{}, fmt.Errorf("get attachment: %w", err)
	}
	return a, nil
}

// ConfirmAttachment makes a pending attachment ready once its upload is in
// the store: it copies the upload out of the link's reach, then checks the
// copy's real size and type against the declaration and the limits. A
// mismatch removes the attachment and its objects and answers 400
// upload-rejected. Confirming a ready attachment returns it unchanged.
func (s *service) ConfirmAttachment(ctx context.Context, g access.Grant, noteID, id uuid.UUID) (attachment, error) {
	a, err := s.getAttachment(ctx, g, noteID, id)
	if err != nil || a.Status == attachmentReady {
		return a, err
	}
	err = s.blobs.Copy(ctx, uploadKey(a.ObjectKey), a.ObjectKey)
	if errors.Is(err, blob.ErrNotFound) {
		if time.Now().After(a.UploadExpiresAt) {
			if err := s.removeAttachment(ctx, g, a); err != nil {
				return attachment{}, err
			}
			return attachment{}, apperr.New(apperr.Conflict, "the upload link expired before the file arrived; start a new upload")
		}
		return attachment{}, apperr.New(apperr.Conflict, "the file has not been uploaded yet: PUT it to the upload URL first")
	}
	if err != nil {
		return attachment{}, storeFailed(err)
	}
	info, err := s.blobs.Head(ctx, a.ObjectKey)
	if err != nil {
		return attachment{}, storeFailed(err)
	}
	if problems := uploadProblems(a, info); len(problems) > 0 {
		if err := s.removeAttachment(ctx, g, a); err != nil {
			return attachment{}, err
		}
		return attachment{}, &apperr.Error{
			Kind: apperr.Invalid, Slug: "upload-rejected", Fields: problems,
			Detail: "the uploaded file is not what was declared or is not allowed; it was deleted, start a new upload",
		}
	}
	err = s.write(ctx, g, func(q *store.Queries) error {
		cur, err := q.GetAttachmentForUpdate(ctx, store.GetAttachmentForUpdateParams{ID: id, NoteID: noteID, ProjectID: g.ProjectID})
		if db.IsNoRows(err) {
			return errAttachmentNotFound
		}
		if err != nil {
			return fmt.Errorf("lock attachment: %w", err)
		}
		if cur.Status == attachmentReady {
			a = cur
			return nil
		}
		if a, err = q.ConfirmAttachment(ctx, id); err != nil {
			return fmt.Errorf("confirm attachment: %w", err)
		}
		// The upload object is no longer needed; its link may still write
		// it until it expires, so it goes after that.
		return q.ScheduleObjectDeletion(ctx, store.ScheduleObjectDeletionParams{ObjectKey: uploadKey(a.ObjectKey), NotBefore: a.UploadExpiresAt})
	})
	if errors.Is(err, errAttachmentNotFound) {
		// Deleted meanwhile, maybe after its files were: the copy made
		// above must not outlive it.
		_ = s.blobs.Delete(ctx, a.ObjectKey) // best effort: the answer is 404 either way
	}
	if err != nil {
		return attachment{}, err
	}
	return a, nil
}

// storeFailed is the answer when the blob store fails a request: 503, safe
// to retry (the cause, for the log, says which call failed).
func storeFailed(err error) error {
	return apperr.Wrap(apperr.Unavailable, "the file store is not answering; try again shortly", err)
}

// uploadProblems compares a stored object with its declaration and the
// limits, by field of the declaration.
func uploadProblems(a attachment, info blob.Info) map[string]string {
	p := map[string]string{}
	switch {
	case info.Size != a.Size:
		p["size"] = fmt.Sprintf("%d bytes were declared, %d arrived", a.Size, info.Size)
	case checkSize(info.Size) != "":
		p["size"] = checkSize(info.Size)
	}
	switch {
	case info.ContentType != a.ContentType:
		p["content_type"] = fmt.Sprintf("%s was declared, the upload said %s", a.ContentType, info.ContentType)
	case info.Sniffed != a.ContentType:
		shows := info.Sniffed
		if shows == "" {
			shows = "none of the allowed types"
		}
		p["content_type"] = fmt.Sprintf("%s was declared, the file's content is %s", a.ContentType, shows)
	}
	return p
}

// removeAttachment deletes an attachment's row (the trigger schedules its
// objects for deletion), then its confirmed object at once; the purge
// deletes what is left (an upload whose link still runs).
func (s *service) removeAttachment(ctx context.Context, g access.Grant, a attachment) error {
	err := s.write(ctx, g, func(q *store.Queries) error {
		if err := q.DeleteAttachment(ctx, a.ID); err != nil {
			return fmt.Errorf("delete attachment: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	keys := []string{a.ObjectKey}
	if a.Status == attachmentReady || time.Now().After(a.UploadExpiresAt) {
		keys = append(keys, uploadKey(a.ObjectKey))
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return nil // the purge retries it; the row is gone either way
		}
	}
	if err := s.q.ForgetObjectDeletions(ctx, keys); err != nil {
		return nil // the purge deletes them again, harmlessly
	}
	return nil
}

// DeleteAttachment removes an attachment (it has no trash of its own: it
// goes to the trash with its note).
func (s *service) DeleteAttachment(ctx context.Context, g access.Grant, noteID, id uuid.UUID) error {
	a, err := s.getAttachment(ctx, g, noteID, id)
	if err != nil {
		return err
	}
	return s.removeAttachment(ctx, g, a)
}

// AttachmentURL presigns a short-lived read of a ready attachment.
func (s *service) AttachmentURL(ctx context.Context, g access.Grant, noteID, id uuid.UUID) (blob.Request, error) {
	a, err := s.getAttachment(ctx, g, noteID, id)
	if err != nil {
		return blob.Request{}, err
	}
	if a.Status != attachmentReady {
		return blob.Request{}, apperr.New(apperr.NotFound, "attachment not found (its upload is not confirmed)")
	}
	req, err := s.blobs.PresignGet(ctx, a.ObjectKey, blob.GetParams{TTL: DownloadURLTTL, Filename: a.Filename})
	if err != nil {
		return blob.Request{}, fmt.Errorf("presign download: %w", err)
	}
	return req, nil
}

// ListAttachments returns a page of a live note's ready attachments, oldest
// first.
func (s *service) ListAttachments(ctx context.Context, g access.Grant, noteID uuid.UUID, pr page.Request) (page.Page[attachment], error) {
	if _, err := s.GetNote(ctx, g, noteID); err != nil {
		return page.Page[attachment]{}, err
	}
	scope := "attachments:" + noteID.String()
	var cur struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return page.Page[attachment]{}, err
		}
	}
	rows, err := s.q.ListReadyAttachmentsByNote(ctx, store.ListReadyAttachmentsByNoteParams{
		NoteID: noteID, AfterTime: cur.T, AfterID: cur.ID, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[attachment]{}, fmt.Errorf("list attachments: %w", err)
	}
	return page.Build(s.cursors, scope, rows, pr.Limit, func(a attachment) attachment { return a },
		func(a attachment) any { return map[string]any{"t": a.CreatedAt, "id": a.ID} }), nil
}
