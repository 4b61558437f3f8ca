package research

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
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
)

// checkCapacity refuses one more live note or citation once count reaches
// limit. It takes the project's research lock first, so concurrent creates
// and restores cannot all pass the same count; call it inside the
// transaction that adds the row.
func checkCapacity(ctx context.Context, q *store.Queries, projectID uuid.UUID, count func(context.Context, uuid.UUID) (int64, error), limit int64, noun string) error {
	if err := q.LockProjectResearch(ctx, projectID); err != nil {
		return fmt.Errorf("lock research: %w", err)
	}
	n, err := count(ctx, projectID)
	if err != nil {
		return fmt.Errorf("count %s: %w", noun, err)
	}
	if n >= limit {
		return apperr.Newf(apperr.Conflict, "a project holds at most %d %s", limit, noun)
	}
	return nil
}
