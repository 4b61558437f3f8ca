package chapters

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/db"
)

// A chapter edited collaboratively has two forms: its Markdown content
// (this module's) and its Y.js document (the collaboration server's).
// While the document exists it is the truth: the server writes its
// rendering back here (SaveFromDocument), and the content writes made here
// are sent to it as edits (toDocument). docs/collab.md tells the whole
// contract.

// Applying a content write to the document is tried this many times, this
// far apart, before it is given up (and logged).
const (
	documentAttempts = 3
	documentRetry    = 300 * time.Millisecond
	documentTimeout  = 10 * time.Second
)

// toDocument sends a committed content write (base → content) to the
// chapter's collaborative document. The write itself is already saved: a
// failure here is not answered to the author. But the document stays the
// truth and its next rendering would replace the write, so a write that
// never reached it is kept in the chapter's history (keepUnapplied).
func (s *service) toDocument(ctx context.Context, chapterID uuid.UUID, base, content string) {
	if s.docs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), documentTimeout)
	defer cancel()
	var err error
	for attempt := 1; attempt <= documentAttempts; attempt++ {
		if err = s.docs.Apply(ctx, chapterID, base, content); err == nil {
			return
		}
		if attempt < documentAttempts {
			select {
			case <-ctx.Done():
			case <-time.After(documentRetry):
			}
		}
	}
	s.log.ErrorContext(ctx, "chapters: a content write did not reach the collaborative document; it is kept as a version",
		slog.String("chapter_id", chapterID.String()), slog.String("error", err.Error()))
	if kerr := s.keepUnapplied(ctx, chapterID, content); kerr != nil {
		s.log.ErrorContext(ctx, "chapters: a content write that did not reach the document could not be kept as a version",
			slog.String("chapter_id", chapterID.String()), slog.String("error", kerr.Error()))
	}
}

// unappliedLabel names the version that keeps a content write the
// collaborative document never received.
const unappliedLabel = "saved while the live document could not be reached"

// keepUnapplied records content, a write the chapter's document never
// received, as a version of the chapter, so that the document's next
// rendering cannot make it disappear: the author finds it in the history
// and can restore it.
func (s *service) keepUnapplied(ctx context.Context, chapterID uuid.UUID, content string) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		ch, live, err := lockLiveChapter(ctx, q, chapterID)
		if err != nil || !live {
			return err // gone to the trash meanwhile: its versions stay as they are
		}
		var author uuid.UUID
		if ch.UpdatedBy != nil {
			author = *ch.UpdatedBy
		}
		ch.Content = content // the write, whatever a rendering made of the row since
		label := unappliedLabel
		_, err = snapshot(ctx, q, ch, author, reasonAutosave, &label, nil)
		return err
	})
}

// lockLiveChapter locks a chapter known only by its id for a write; live
// is false when it is not a live chapter (trashed or gone).
func lockLiveChapter(ctx context.Context, q *store.Queries, chapterID uuid.UUID) (ch store.Chapter, live bool, err error) {
	projectID, err := q.LiveChapterProject(ctx, chapterID)
	if db.IsNoRows(err) {
		return ch, false, nil
	}
	if err != nil {
		return ch, false, fmt.Errorf("chapter project: %w", err)
	}
	ch, err = q.GetChapterForUpdate(ctx, store.GetChapterForUpdateParams{ID: chapterID, ProjectID: projectID})
	if db.IsNoRows(err) {
		return ch, false, nil
	}
	if err != nil {
		return ch, false, fmt.Errorf("lock chapter: %w", err)
	}
	return ch, true, nil
}

// saveFromDocument makes a live chapter's content markdown, as the
// collaboration server rendered it from the chapter's document: version,
// word count and the book's total move as in a save, and the automatic
// snapshot rules apply (the text replaced is recorded when the last
// snapshot is older than SnapshotInterval). No version check: the
// document is the truth while it is edited. Nothing is written when the
// content is already markdown, or the chapter is not live; changed reports
// whether it wrote.
func (s *service) saveFromDocument(ctx context.Context, chapterID uuid.UUID, markdown string) (changed bool, err error) {
	if len(markdown) > MaxChapterContent {
		return false, fmt.Errorf("the document renders to %d bytes, over the %d a chapter holds: the content stays as it was", len(markdown), MaxChapterContent)
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		ch, live, err := lockLiveChapter(ctx, q, chapterID)
		if err != nil || !live {
			return err
		}
		if ch.Content == markdown {
			return nil
		}
		if err := s.autosave(ctx, q, ch, false); err != nil {
			return err
		}
		out, err := q.UpdateChapter(ctx, store.UpdateChapterParams{
			ID: ch.ID, Title: ch.Title, Content: markdown, Status: ch.Status,
			WordCount: int32(CountWords(markdown)), AuthorID: ch.UpdatedBy,
		})
		if err != nil {
			return fmt.Errorf("update chapter: %w", err)
		}
		changed = true
		return addWords(ctx, q, ch.ProjectID, int64(out.WordCount)-int64(ch.WordCount))
	})
	return changed, err
}
