package chapters

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ChapterExists reports whether chapterID is a live chapter of projectID.
// The research module calls it before linking a note to a chapter.
func (m *Module) ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error) {
	return m.svc.chapterExists(ctx, m.svc.q, projectID, chapterID)
}

// ChapterProject returns the project of chapterID when it is a live chapter;
// ok is false when it is missing or in the trash. The collab module asks it
// when a document socket opens (the path names only the chapter) and again
// while the socket stays open.
func (m *Module) ChapterProject(ctx context.Context, chapterID uuid.UUID) (projectID uuid.UUID, ok bool, err error) {
	projectID, err = m.svc.q.LiveChapterProject(ctx, chapterID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("chapter project: %w", err)
	}
	return projectID, true, nil
}
