package research

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// service holds the business rules of notes and citations. It takes plain
// values (grants, ids, expected versions, validated changes), returns store
// rows, and opens every transaction.
type service struct {
	pool     *pgxpool.Pool
	q        *store.Queries
	guard    *access.Guard
	chapters ChapterLookup
	cursors  *page.Codec
	blobs    blob.Store
}

func newService(d Deps) *service {
	return &service{pool: d.DB, q: store.New(d.DB), guard: d.Guard, chapters: d.Chapters, cursors: d.Cursors, blobs: d.Blobs}
}

// write runs fn in a transaction that first confirms g still holds the
// editor role (every research write needs it): the membership lock taken
// there keeps a member removed meanwhile from committing.
func (s *service) write(ctx context.Context, g access.Grant, fn func(q *store.Queries) error) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := s.guard.Confirm(ctx, tx, g, roles.Editor); err != nil {
			return err
		}
		return fn(store.New(tx))
	})
}

// checkChapter refuses a chapter_id that is not a live chapter of the
// project (the same answer whether it is elsewhere or nowhere). It asks the
// chapters module, so it runs before the write's transaction, never inside.
func (s *service) checkChapter(ctx context.Context, projectID uuid.UUID, id *uuid.UUID) error {
	if id == nil {
		return nil
	}
	ok, err := s.chapters.ChapterExists(ctx, projectID, *id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field("chapter_id", "must be a chapter of this project")
	}
	return nil
}

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
