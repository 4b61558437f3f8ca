package research

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/blob"
)

// attachmentRequest is the body of POST .../notes/{note_id}/attachments:
// what the client is about to upload.
type attachmentRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

func (r *attachmentRequest) Validate() error {
	p := map[string]string{}
	r.Filename = strings.TrimSpace(r.Filename)
	if msg := checkFilename(r.Filename); msg != "" {
		p["filename"] = msg
	}
	r.ContentType = strings.ToLower(strings.TrimSpace(r.ContentType))
	if !slices.Contains(AttachmentTypes, r.ContentType) {
		p["content_type"] = "must be one of " + strings.Join(AttachmentTypes, ", ")
	}
	if msg := checkSize(r.Size); msg != "" {
		p["size"] = msg
	}
	return apperr.Validation(p)
}

func checkSize(n int64) string {
	switch {
	case n < 1:
		return "must be at least 1 byte"
	case n > MaxAttachmentSize:
		return fmt.Sprintf("must be at most %d bytes (%d MiB)", MaxAttachmentSize, MaxAttachmentSize>>20)
	}
	return ""
}

// checkFilename accepts a trimmed name of 1..MaxFilename characters with no
// path separators, control or invisible formatting characters (a
// right-to-left override could disguise a name), not starting with a dot.
// It is only ever shown, never used as a path.
func checkFilename(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "must not be empty"
	case n > MaxFilename:
		return fmt.Sprintf("must be at most %d characters", MaxFilename)
	case !utf8.ValidString(s):
		return "must be UTF-8"
	case strings.ContainsAny(s, `/\`):
		return "must be a name without / or \\"
	case strings.HasPrefix(s, "."):
		return "must not start with a dot"
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return "must not contain control or invisible formatting characters"
	}
	return ""
}

// attachmentResponse is an attachment.
type attachmentResponse struct {
	ID          uuid.UUID  `json:"id"`
	ProjectID   uuid.UUID  `json:"project_id"`
	NoteID      uuid.UUID  `json:"note_id"`
	UploaderID  *uuid.UUID `json:"uploader_id"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
}

func toAttachmentResponse(a attachment) attachmentResponse {
	var confirmed *time.Time
	if a.ConfirmedAt != nil {
		t := a.ConfirmedAt.UTC()
		confirmed = &t
	}
	return attachmentResponse{
		ID: a.ID, ProjectID: a.ProjectID, NoteID: a.NoteID, UploaderID: a.UploaderID, Filename: a.Filename,
		ContentType: a.ContentType, Size: a.Size, Status: a.Status, CreatedAt: a.CreatedAt.UTC(), ConfirmedAt: confirmed,
	}
}

// newAttachmentResponse is the answer to a new attachment: the pending
// attachment and the request that uploads its bytes.
type newAttachmentResponse struct {
	attachmentResponse
	Upload blob.Request `json:"upload"`
}
