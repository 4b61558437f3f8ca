package research

import (
	"time"

	"github.com/thebrain/thebrain/platform/blob"
)

// Limits, documented in docs/limits.md. Each is enforced with a clear 4xx.
const (
	// MaxNoteTitle is in characters.
	MaxNoteTitle = 200
	// MaxNoteBody is the note body's size in bytes of UTF-8.
	MaxNoteBody    = 256 << 10
	maxNoteRequest = MaxNoteBody*2 + 32<<10
	// MaxTags per note; each tag is 1..MaxTagLength characters once trimmed
	// and lowercased.
	MaxTags      = 20
	MaxTagLength = 50
	// MaxSourceURL is in bytes; only http and https are accepted.
	MaxSourceURL = 2048
	// MaxNotesPerProject counts live notes.
	MaxNotesPerProject = 10000
	// MaxSearchQuery is the ?q= length in characters.
	MaxSearchQuery = 200

	// MaxCitationsPerProject counts live citations; the export holds them all.
	MaxCitationsPerProject = 5000
	MaxCitationTitle       = 500
	MaxAuthors             = 50
	MaxAuthorName          = 200
	MaxPublisher           = 300
	MaxPages               = 50
	MaxCitationNotes       = 10000
	maxCitationRequest     = 128 << 10

	// MaxAttachmentSize is an attachment's size in bytes (25 MiB), checked
	// when the upload is presigned and again on the stored object.
	MaxAttachmentSize = 25 << 20
	// MaxAttachmentsPerNote counts a note's attachments, uploads not yet
	// confirmed included.
	MaxAttachmentsPerNote = 50
	// MaxFilename is an attachment's filename in characters.
	MaxFilename          = 200
	maxAttachmentRequest = 4 << 10
)

// AttachmentTypes are the content types an attachment may have; the
// stored bytes must show the same type (blob.Sniff).
var AttachmentTypes = []string{blob.PNG, blob.JPEG, blob.WebP, blob.PDF}

// How long the links of an attachment last, and how long an upload may stay
// unconfirmed before the daily purge removes it.
const (
	UploadURLTTL           = 15 * time.Minute
	DownloadURLTTL         = 5 * time.Minute
	PendingUploadRetention = 24 * time.Hour
)
