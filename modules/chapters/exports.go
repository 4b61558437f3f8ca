package chapters

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/material"
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

// ChapterText returns a live chapter of projectID with its text; ok is
// false when chapterID is not one. The AI module reads the chapters it
// works on through it.
func (m *Module) ChapterText(ctx context.Context, projectID, chapterID uuid.UUID) (material.Chapter, bool, error) {
	ch, err := m.svc.q.GetChapter(ctx, store.GetChapterParams{ID: chapterID, ProjectID: projectID})
	if db.IsNoRows(err) {
		return material.Chapter{}, false, nil
	}
	if err != nil {
		return material.Chapter{}, false, fmt.Errorf("get chapter: %w", err)
	}
	return material.Chapter{ID: ch.ID, Title: ch.Title, Position: ch.Position, Version: ch.Version, Content: ch.Content}, true, nil
}

// ChapterOutline returns the live chapters of projectID in reading order,
// without their text: the AI module's "story so far" follows it.
func (m *Module) ChapterOutline(ctx context.Context, projectID uuid.UUID) ([]material.ChapterRef, error) {
	rows, err := m.svc.q.ListChaptersByProject(ctx, store.ListChaptersByProjectParams{
		ProjectID: projectID, WithContent: false, AfterPosition: -1, MaxRows: MaxChaptersPerProject,
	})
	if err != nil {
		return nil, fmt.Errorf("list chapters: %w", err)
	}
	out := make([]material.ChapterRef, len(rows))
	for i, r := range rows {
		out[i] = material.ChapterRef{ID: r.ID, Title: r.Title, Position: r.Position, Version: r.Version}
	}
	return out, nil
}

// ChapterContent returns a live chapter's Markdown content; ok is false
// when chapterID is not a live chapter. The collaboration server seeds a
// new document from it.
func (m *Module) ChapterContent(ctx context.Context, chapterID uuid.UUID) (content string, ok bool, err error) {
	projectID, ok, err := m.ChapterProject(ctx, chapterID)
	if err != nil || !ok {
		return "", false, err
	}
	ch, ok, err := m.ChapterText(ctx, projectID, chapterID)
	return ch.Content, ok, err
}

// SaveFromDocument makes a live chapter's content markdown, rendered by the
// collaboration server from the chapter's document: version, word count,
// the book's total and the automatic snapshots move as in a save, without
// a version check (the document is the truth while it is edited). Content
// already equal writes nothing; changed reports whether it wrote.
func (m *Module) SaveFromDocument(ctx context.Context, chapterID uuid.UUID, markdown string) (changed bool, err error) {
	return m.svc.saveFromDocument(ctx, chapterID, markdown)
}
