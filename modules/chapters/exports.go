package chapters

import (
	"context"

	"github.com/google/uuid"
)

// ChapterExists reports whether chapterID is a live chapter of projectID.
// The research module calls it before linking a note to a chapter.
func (m *Module) ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error) {
	return m.svc.chapterExists(ctx, m.svc.q, projectID, chapterID)
}
