package research

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
)
