package chapters

import (
	"context"
	"fmt"
	"math"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// Why a version was recorded.
const (
	reasonAutosave = "autosave" // the text an edit replaced, or a new chapter's first text
	reasonManual   = "manual"   // asked for (POST .../versions)
	reasonRestore  = "restore"  // the text a restore brought back
)

func versionAuthor(v store.Version) *uuid.UUID                      { return v.AuthorID }
func versionItemAuthor(v store.ListVersionsByChapterRow) *uuid.UUID { return v.AuthorID }

// ListVersions returns a page of a live chapter's history, newest first,
// without content.
func (s *service) ListVersions(ctx context.Context, g access.Grant, chapterID uuid.UUID, pr page.Request) (page.Page[authored[store.ListVersionsByChapterRow]], error) {
	var none page.Page[authored[store.ListVersionsByChapterRow]]
	scope := "versions:" + chapterID.String()
	cur := struct {
		N int32 `json:"n"`
	}{N: math.MaxInt32}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return none, err
		}
	}
	rows, err := s.q.ListVersionsByChapter(ctx, store.ListVersionsByChapterParams{
		ChapterID: chapterID, ProjectID: g.ProjectID, BeforeNumber: cur.N, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return none, fmt.Errorf("list versions: %w", err)
	}
	return pageUnderChapter(ctx, s, g, chapterID, rows, scope, pr.Limit,
		func(v store.ListVersionsByChapterRow) any { return map[string]int32{"n": v.Number} }, versionItemAuthor)
}

// GetVersion returns one version of a live chapter, with its content.
func (s *service) GetVersion(ctx context.Context, g access.Grant, chapterID, versionID uuid.UUID) (authored[store.Version], error) {
	v, err := s.q.GetVersion(ctx, store.GetVersionParams{ID: versionID, ChapterID: chapterID, ProjectID: g.ProjectID})
	if db.IsNoRows(err) {
		return authored[store.Version]{}, s.missing(ctx, s.q, g.ProjectID, chapterID, errVersionNotFound)
	}
	if err != nil {
		return authored[store.Version]{}, fmt.Errorf("get version: %w", err)
	}
	return withAuthor(ctx, s, v, versionAuthor), nil
}

// CreateVersion records the chapter as it is now, with an optional label.
func (s *service) CreateVersion(ctx context.Context, g access.Grant, chapterID uuid.UUID, label *string) (authored[store.Version], error) {
	var v store.Version
	err := s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		ch, err := lockChapter(ctx, q, g.ProjectID, chapterID, expect.Any)
		if err != nil {
			return err
		}
		v, err = snapshot(ctx, q, ch, g.UserID, reasonManual, label, nil)
		return err
	})
	if err != nil {
		return authored[store.Version]{}, err
	}
	return withAuthor(ctx, s, v, versionAuthor), nil
}

// RestoreVersion gives a chapter at version want (the chapter's) the title
// and content of one of its versions. The text it replaces is recorded
// first (unless already recorded), and the restore itself becomes a new
// version, so no history is ever lost. It returns the chapter and the new
// version.
func (s *service) RestoreVersion(ctx context.Context, g access.Grant, chapterID, versionID uuid.UUID, want expect.Version) (store.Chapter, authored[store.Version], error) {
	var ch store.Chapter
	var v store.Version
	var base string
	err := s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		cur, err := lockChapter(ctx, q, g.ProjectID, chapterID, want)
		if err != nil {
			return err
		}
		base = cur.Content
		old, err := q.GetVersion(ctx, store.GetVersionParams{ID: versionID, ChapterID: chapterID, ProjectID: g.ProjectID})
		if db.IsNoRows(err) {
			return errVersionNotFound
		}
		if err != nil {
			return fmt.Errorf("get version: %w", err)
		}
		if err := s.autosave(ctx, q, cur, true); err != nil {
			return err
		}
		ch, err = q.UpdateChapter(ctx, store.UpdateChapterParams{
			ID: cur.ID, Title: old.Title, Content: old.Content, Status: cur.Status,
			WordCount: int32(CountWords(old.Content)), AuthorID: &g.UserID,
		})
		if err != nil {
			return fmt.Errorf("update chapter: %w", err)
		}
		if err := addWords(ctx, q, g.ProjectID, int64(ch.WordCount)-int64(cur.WordCount)); err != nil {
			return err
		}
		v, err = snapshot(ctx, q, ch, g.UserID, reasonRestore, nil, &old.ID)
		return err
	})
	if err != nil {
		return ch, authored[store.Version]{}, err
	}
	if ch.Content != base {
		s.toDocument(ctx, chapterID, base, ch.Content)
	}
	return ch, withAuthor(ctx, s, v, versionAuthor), nil
}

// autosave records ch's current text unless the latest snapshot already
// holds this chapter version or, when always is false, is younger than
// SnapshotInterval. A restore passes always: the text it replaces is kept
// however recent.
func (s *service) autosave(ctx context.Context, q *store.Queries, ch store.Chapter, always bool) error {
	latest, err := q.GetLatestVersion(ctx, ch.ID)
	switch {
	case db.IsNoRows(err):
	case err != nil:
		return fmt.Errorf("latest version: %w", err)
	case latest.ChapterVersion != nil && *latest.ChapterVersion == ch.Version:
		return nil
	case !always && s.now().Sub(latest.CreatedAt) <= SnapshotInterval:
		return nil
	}
	var author uuid.UUID
	if ch.UpdatedBy != nil {
		author = *ch.UpdatedBy
	}
	_, err = snapshot(ctx, q, ch, author, reasonAutosave, nil, nil)
	return err
}

// snapshot records ch's current title and text as a new version.
func snapshot(ctx context.Context, q *store.Queries, ch store.Chapter, author uuid.UUID, reason string, label *string, from *uuid.UUID) (store.Version, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return store.Version{}, err
	}
	var authorID *uuid.UUID
	if author != uuid.Nil {
		authorID = &author
	}
	v, err := q.CreateVersion(ctx, store.CreateVersionParams{
		ID: id, ChapterID: ch.ID, ProjectID: ch.ProjectID, Title: ch.Title, Content: ch.Content,
		WordCount: ch.WordCount, Label: label, Reason: reason, AuthorID: authorID, RestoredFrom: from,
		ChapterVersion: &ch.Version,
	})
	if err != nil {
		return store.Version{}, fmt.Errorf("insert version: %w", err)
	}
	return v, nil
}
