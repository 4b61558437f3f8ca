package chapters

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// statusDraft is the status of a new chapter unless it names another.
const statusDraft = "draft"

// newChapter is a validated new chapter. Position nil (or past the end)
// appends it; Status "" is statusDraft.
type newChapter struct {
	Title, Content, Status string
	Position               *int
}

// chapterChange is a validated set of new values; nil fields stay as they are.
type chapterChange struct {
	Title   *string
	Content *string
	Status  *string
}

// ListChapters returns a page of the project's live chapters in order,
// with their content only when withContent (such pages hold at most
// MaxContentPage chapters: chapters can be 2 MiB each).
func (s *service) ListChapters(ctx context.Context, g access.Grant, pr page.Request, withContent bool) (page.Page[store.ListChaptersByProjectRow], error) {
	if withContent {
		pr.Limit = min(pr.Limit, MaxContentPage)
	}
	scope := "chapters:" + g.ProjectID.String()
	var cur struct {
		P int32 `json:"p"`
	}
	cur.P = -1
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return page.Page[store.ListChaptersByProjectRow]{}, err
		}
	}
	rows, err := s.q.ListChaptersByProject(ctx, store.ListChaptersByProjectParams{
		WithContent: withContent, ProjectID: g.ProjectID, AfterPosition: cur.P, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[store.ListChaptersByProjectRow]{}, fmt.Errorf("list chapters: %w", err)
	}
	return page.Build(s.cursors, scope, rows, pr.Limit, same,
		func(c store.ListChaptersByProjectRow) any { return map[string]int32{"p": c.Position} }), nil
}

// GetChapter returns a live chapter of the project.
func (s *service) GetChapter(ctx context.Context, g access.Grant, chapterID uuid.UUID) (store.Chapter, error) {
	ch, err := s.q.GetChapter(ctx, store.GetChapterParams{ID: chapterID, ProjectID: g.ProjectID})
	if db.IsNoRows(err) {
		return ch, errChapterNotFound
	}
	if err != nil {
		return ch, fmt.Errorf("get chapter: %w", err)
	}
	return ch, nil
}

// CreateChapter inserts a chapter at its position (appended when none or
// past the end), shifting the chapters at and after it, and records its
// first version.
func (s *service) CreateChapter(ctx context.Context, g access.Grant, c newChapter) (store.Chapter, error) {
	if c.Status == "" {
		c.Status = statusDraft
	}
	var ch store.Chapter
	err := s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		order, err := lockOrder(ctx, q, g.ProjectID)
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
			ID: id, ProjectID: g.ProjectID, Title: c.Title, Content: c.Content,
			Position: int32(len(order)), Status: c.Status, WordCount: int32(CountWords(c.Content)), AuthorID: &g.UserID,
		})
		if err != nil {
			return fmt.Errorf("insert chapter: %w", err)
		}
		if _, err := snapshot(ctx, q, ch, g.UserID, "autosave", nil, nil); err != nil {
			return err
		}
		if err := addWords(ctx, q, g.ProjectID, int64(ch.WordCount)); err != nil {
			return err
		}
		if c.Position == nil || *c.Position >= len(order) {
			return nil
		}
		ids := positionsToIDs(order)
		ids = slices.Insert(ids, *c.Position, id)
		order = append(order, store.ListLiveChapterPositionsRow{ID: id, Position: int32(len(order))})
		if err := applyOrder(ctx, q, order, ids); err != nil {
			return err
		}
		ch.Position = int32(*c.Position)
		return nil
	})
	return ch, err
}

// UpdateChapter applies c to a live chapter whose version is want. When
// the text changes and the last snapshot is older than SnapshotInterval,
// the text being replaced is recorded first, so the state an author left
// for a while is always in the history.
func (s *service) UpdateChapter(ctx context.Context, g access.Grant, chapterID uuid.UUID, want expect.Version, c chapterChange) (store.Chapter, error) {
	var out store.Chapter
	var base string
	err := s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		ch, err := lockChapter(ctx, q, g.ProjectID, chapterID, want)
		if err != nil {
			return err
		}
		base = ch.Content
		next := store.UpdateChapterParams{
			ID: ch.ID, Title: ch.Title, Content: ch.Content, Status: ch.Status, WordCount: ch.WordCount, AuthorID: &g.UserID,
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
			if err := s.autosave(ctx, q, ch, false); err != nil {
				return err
			}
		}
		out, err = q.UpdateChapter(ctx, next)
		if err != nil {
			return fmt.Errorf("update chapter: %w", err)
		}
		return addWords(ctx, q, g.ProjectID, int64(out.WordCount)-int64(ch.WordCount))
	})
	if err == nil && out.Content != base {
		s.toDocument(ctx, chapterID, base, out.Content)
	}
	return out, err
}

// TrashChapter moves a chapter at version want to the trash and closes the
// gap it leaves.
func (s *service) TrashChapter(ctx context.Context, g access.Grant, chapterID uuid.UUID, want expect.Version) error {
	return s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		if err := q.LockProjectChapters(ctx, g.ProjectID); err != nil {
			return fmt.Errorf("lock chapters: %w", err)
		}
		ch, err := lockChapter(ctx, q, g.ProjectID, chapterID, want)
		if err != nil {
			return err
		}
		if err := q.TrashChapter(ctx, ch.ID); err != nil {
			return fmt.Errorf("trash chapter: %w", err)
		}
		if err := addWords(ctx, q, g.ProjectID, -int64(ch.WordCount)); err != nil {
			return err
		}
		order, err := q.ListLiveChapterPositions(ctx, g.ProjectID)
		if err != nil {
			return fmt.Errorf("list positions: %w", err)
		}
		return applyOrder(ctx, q, order, positionsToIDs(order))
	})
}

// RestoreChapter brings a chapter trashed less than TrashRetention ago back
// at the position it had, shifting the chapters from there on; if the book
// has since become shorter than that, it is appended.
func (s *service) RestoreChapter(ctx context.Context, g access.Grant, chapterID uuid.UUID) (store.Chapter, error) {
	var out store.Chapter
	err := s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		order, err := lockOrder(ctx, q, g.ProjectID)
		if err != nil {
			return err
		}
		ch, err := q.GetTrashedChapterForUpdate(ctx, store.GetTrashedChapterForUpdateParams{ID: chapterID, ProjectID: g.ProjectID})
		if db.IsNoRows(err) || (err == nil && s.now().Sub(*ch.DeletedAt) > TrashRetention) {
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
		if err := addWords(ctx, q, g.ProjectID, int64(out.WordCount)); err != nil {
			return err
		}
		ids := slices.Insert(positionsToIDs(order), target, ch.ID)
		order = append(order, store.ListLiveChapterPositionsRow{ID: ch.ID, Position: int32(len(order))})
		out.Position = int32(target)
		return applyOrder(ctx, q, order, ids)
	})
	return out, err
}

// ReorderChapters sets the order of every live chapter to ids, which must
// name each of them exactly once, and returns the new order (without
// content).
func (s *service) ReorderChapters(ctx context.Context, g access.Grant, ids []uuid.UUID) ([]store.ListChaptersByProjectRow, error) {
	var out []store.ListChaptersByProjectRow
	err := s.write(ctx, g, roles.Editor, func(q *store.Queries, g access.Grant) error {
		order, err := lockOrder(ctx, q, g.ProjectID)
		if err != nil {
			return err
		}
		if err := checkReorder(order, ids); err != nil {
			return err
		}
		if err := applyOrder(ctx, q, order, ids); err != nil {
			return err
		}
		out, err = q.ListChaptersByProject(ctx, store.ListChaptersByProjectParams{
			ProjectID: g.ProjectID, AfterPosition: -1, MaxRows: MaxChaptersPerProject,
		})
		if err != nil {
			return fmt.Errorf("list chapters: %w", err)
		}
		return nil
	})
	return out, err
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
