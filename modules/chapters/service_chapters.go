package chapters

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
)

var errChapterNotFound = apperr.New(apperr.NotFound, "chapter not found")

// chapterChange is a validated set of new values; nil fields stay as they are.
type chapterChange struct {
	Title   *string
	Content *string
	Status  *string
}

// createChapter inserts a chapter at position (appended when nil or past the
// end), shifting the chapters at and after it, and records its first
// version.
func (m *Module) createChapter(ctx context.Context, projectID, userID uuid.UUID, title, content, status string, position *int) (store.Chapter, error) {
	var ch store.Chapter
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		order, err := lockOrder(ctx, q, projectID)
		if err != nil {
			return err
		}
		if len(order) >= MaxChaptersPerProject {
			return apperr.Newf(apperr.Conflict, "a project holds at most %d chapters", MaxChaptersPerProject)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		ch, err = q.CreateChapter(ctx, store.CreateChapterParams{
			ID: id, ProjectID: projectID, Title: title, Content: content,
			Position: int32(len(order)), Status: status, WordCount: int32(CountWords(content)), AuthorID: &userID,
		})
		if err != nil {
			return fmt.Errorf("insert chapter: %w", err)
		}
		if _, err := snapshot(ctx, q, ch, userID, "autosave", nil, nil); err != nil {
			return err
		}
		if err := m.addWords(ctx, tx, projectID, int64(ch.WordCount)); err != nil {
			return err
		}
		if position == nil || *position >= len(order) {
			return nil
		}
		ids := positionsToIDs(order)
		ids = slices.Insert(ids, *position, id)
		order = append(order, store.ListLiveChapterPositionsRow{ID: id, Position: int32(len(order))})
		if err := applyOrder(ctx, q, order, ids); err != nil {
			return err
		}
		ch.Position = int32(*position)
		return nil
	})
	return ch, err
}

// updateChapter applies change to a live chapter whose version is want (0:
// any). When the text changes and the last snapshot is older than the
// snapshot interval, the text being replaced is recorded first, so the
// state an author left for a while is always in the history.
func (m *Module) updateChapter(ctx context.Context, projectID, chapterID, userID uuid.UUID, want expect.Version, c chapterChange) (store.Chapter, error) {
	var out store.Chapter
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		ch, err := lockChapter(ctx, q, projectID, chapterID, want)
		if err != nil {
			return err
		}
		next := store.UpdateChapterParams{
			ID: ch.ID, Title: ch.Title, Content: ch.Content, Status: ch.Status, WordCount: ch.WordCount, AuthorID: &userID,
		}
		if c.Title != nil {
			next.Title = *c.Title
		}
		if c.Content != nil && *c.Content != ch.Content {
			next.Content = *c.Content
			next.WordCount = int32(CountWords(next.Content))
		}
		if c.Status != nil {
			next.Status = *c.Status
		}
		textChanged := next.Title != ch.Title || next.Content != ch.Content
		if !textChanged && next.Status == ch.Status {
			out = ch // nothing to change: no new version, same ETag
			return nil
		}
		if textChanged {
			if err := m.autosave(ctx, q, ch, false); err != nil {
				return err
			}
		}
		out, err = q.UpdateChapter(ctx, next)
		if err != nil {
			return fmt.Errorf("update chapter: %w", err)
		}
		return m.addWords(ctx, tx, projectID, int64(out.WordCount)-int64(ch.WordCount))
	})
	return out, err
}

// lockChapter locks a live chapter of the project for a write and checks
// it is at version want (0: any).
func lockChapter(ctx context.Context, q *store.Queries, projectID, chapterID uuid.UUID, want expect.Version) (store.Chapter, error) {
	ch, err := q.GetChapterForUpdate(ctx, store.GetChapterForUpdateParams{ID: chapterID, ProjectID: projectID})
	if db.IsNoRows(err) {
		return ch, errChapterNotFound
	}
	if err != nil {
		return ch, fmt.Errorf("lock chapter: %w", err)
	}
	if err := want.Check(ch.Version); err != nil {
		return ch, err
	}
	return ch, nil
}

// autosave records ch's current text unless the latest snapshot already
// holds this chapter version or, when always is false, is younger than the
// snapshot interval. A restore passes always: the text it replaces is kept
// however recent.
func (m *Module) autosave(ctx context.Context, q *store.Queries, ch store.Chapter, always bool) error {
	latest, err := q.GetLatestVersion(ctx, ch.ID)
	switch {
	case db.IsNoRows(err):
	case err != nil:
		return fmt.Errorf("latest version: %w", err)
	case latest.ChapterVersion != nil && *latest.ChapterVersion == ch.Version:
		return nil
	case !always && time.Since(latest.CreatedAt) <= m.snapshotInterval:
		return nil
	}
	var author uuid.UUID
	if ch.UpdatedBy != nil {
		author = *ch.UpdatedBy
	}
	_, err = snapshot(ctx, q, ch, author, "autosave", nil, nil)
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

// trashChapter moves a chapter to the trash and closes the gap it leaves.
func (m *Module) trashChapter(ctx context.Context, projectID, chapterID uuid.UUID, want expect.Version) error {
	return db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := q.LockProjectChapters(ctx, projectID); err != nil {
			return fmt.Errorf("lock chapters: %w", err)
		}
		ch, err := lockChapter(ctx, q, projectID, chapterID, want)
		if err != nil {
			return err
		}
		if err := q.TrashChapter(ctx, ch.ID); err != nil {
			return fmt.Errorf("trash chapter: %w", err)
		}
		if err := m.addWords(ctx, tx, projectID, -int64(ch.WordCount)); err != nil {
			return err
		}
		order, err := q.ListLiveChapterPositions(ctx, projectID)
		if err != nil {
			return fmt.Errorf("list positions: %w", err)
		}
		return applyOrder(ctx, q, order, positionsToIDs(order))
	})
}

// restoreChapter brings a trashed chapter back at the position it had,
// shifting the chapters from there on; if the book has since become shorter
// than that, it is appended.
func (m *Module) restoreChapter(ctx context.Context, projectID, chapterID uuid.UUID) (store.Chapter, error) {
	var out store.Chapter
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		order, err := lockOrder(ctx, q, projectID)
		if err != nil {
			return err
		}
		ch, err := q.GetTrashedChapterForUpdate(ctx, store.GetTrashedChapterForUpdateParams{ID: chapterID, ProjectID: projectID})
		if db.IsNoRows(err) || (err == nil && time.Since(*ch.DeletedAt) > TrashRetention) {
			return apperr.New(apperr.NotFound, "no such chapter in the trash")
		}
		if err != nil {
			return fmt.Errorf("lock chapter: %w", err)
		}
		if len(order) >= MaxChaptersPerProject {
			return apperr.Newf(apperr.Conflict, "a project holds at most %d chapters", MaxChaptersPerProject)
		}
		target := min(int(ch.Position), len(order))
		out, err = q.RestoreChapter(ctx, store.RestoreChapterParams{ID: ch.ID, Position: int32(len(order))})
		if err != nil {
			return fmt.Errorf("restore chapter: %w", err)
		}
		if err := m.addWords(ctx, tx, projectID, int64(out.WordCount)); err != nil {
			return err
		}
		ids := slices.Insert(positionsToIDs(order), target, ch.ID)
		order = append(order, store.ListLiveChapterPositionsRow{ID: ch.ID, Position: int32(len(order))})
		out.Position = int32(target)
		return applyOrder(ctx, q, order, ids)
	})
	return out, err
}

// reorderChapters sets the order of every live chapter to ids, which must
// name each of them exactly once.
func (m *Module) reorderChapters(ctx context.Context, projectID uuid.UUID, ids []uuid.UUID) error {
	return db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		order, err := lockOrder(ctx, q, projectID)
		if err != nil {
			return err
		}
		if err := checkReorder(order, ids); err != nil {
			return err
		}
		return applyOrder(ctx, q, order, ids)
	})
}

// checkReorder lists every id that is duplicated or not a live chapter of
// the project (400), then every live chapter the list leaves out (409: the
// caller's view of the book is stale).
func checkReorder(order []store.ListLiveChapterPositionsRow, ids []uuid.UUID) error {
	live := make(map[uuid.UUID]bool, len(order))
	for _, r := range order {
		live[r.ID] = true
	}
	problems := map[string]string{}
	seen := make(map[uuid.UUID]int, len(ids))
	for i, id := range ids {
		key := fmt.Sprintf("chapter_ids[%d]", i)
		if j, dup := seen[id]; dup {
			problems[key] = fmt.Sprintf("%s repeats chapter_ids[%d]", id, j)
			continue
		}
		seen[id] = i
		if !live[id] {
			problems[key] = fmt.Sprintf("%s is not a chapter of this project", id)
		}
	}
	if err := apperr.Validation(problems); err != nil {
		return err
	}
	var missing []string
	for _, r := range order {
		if _, ok := seen[r.ID]; !ok {
			missing = append(missing, r.ID.String())
		}
	}
	if len(missing) > 0 {
		return &apperr.Error{
			Kind:   apperr.Conflict,
			Detail: "chapter_ids must list every chapter of the project; fetch the list again",
			Fields: map[string]string{"chapter_ids": fmt.Sprintf("missing %d: %s", len(missing), joinCapped(missing, 20))},
		}
	}
	return nil
}

func joinCapped(ss []string, n int) string {
	out := ""
	for i, s := range ss {
		if i == n {
			return out + fmt.Sprintf(", and %d more", len(ss)-n)
		}
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// lockOrder takes the project's chapter-order lock and returns the live
// chapters with their positions, in order.
func lockOrder(ctx context.Context, q *store.Queries, projectID uuid.UUID) ([]store.ListLiveChapterPositionsRow, error) {
	if err := q.LockProjectChapters(ctx, projectID); err != nil {
		return nil, fmt.Errorf("lock chapters: %w", err)
	}
	order, err := q.ListLiveChapterPositions(ctx, projectID)
	if err != nil {
		return nil, fmt.Errorf("list positions: %w", err)
	}
	return order, nil
}

func positionsToIDs(order []store.ListLiveChapterPositionsRow) []uuid.UUID {
	ids := make([]uuid.UUID, len(order))
	for i, r := range order {
		ids[i] = r.ID
	}
	return ids
}

// applyOrder gives ids[i] position i, touching only the chapters whose
// position changes. current holds every live chapter with its position now.
// The unique index is checked row by row, so the moving rows first step
// aside to positions no final value uses.
func applyOrder(ctx context.Context, q *store.Queries, current []store.ListLiveChapterPositionsRow, ids []uuid.UUID) error {
	now := make(map[uuid.UUID]int32, len(current))
	for _, r := range current {
		now[r.ID] = r.Position
	}
	var moved []uuid.UUID
	var positions []int32
	for i, id := range ids {
		if now[id] != int32(i) {
			moved = append(moved, id)
			positions = append(positions, int32(i))
		}
	}
	if len(moved) == 0 {
		return nil
	}
	if err := q.MoveChaptersAside(ctx, moved); err != nil {
		return fmt.Errorf("move chapters aside: %w", err)
	}
	if err := q.SetChapterPositions(ctx, store.SetChapterPositionsParams{Ids: moved, Positions: positions}); err != nil {
		return fmt.Errorf("set positions: %w", err)
	}
	return nil
}
