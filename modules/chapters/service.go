package chapters

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// service holds the module's business rules. Its methods take the caller's
// access.Grant (the project comes from it), ids and validated values, open
// every transaction, and return store rows or the small values below.
type service struct {
	log     *slog.Logger
	pool    *pgxpool.Pool
	q       *store.Queries // on the pool, for reads
	guard   *access.Guard
	cursors *page.Codec
	users   UserNames
	// now is the clock: snapshot intervals and trash retention are
	// measured with it.
	now func() time.Time
	// docs, when set, gets the content writes (LiveDocuments).
	docs LiveDocuments
}

var (
	errChapterNotFound = apperr.New(apperr.NotFound, "chapter not found")
	errVersionNotFound = apperr.New(apperr.NotFound, "version not found")
	errCommentNotFound = apperr.New(apperr.NotFound, "comment not found")
)

// write runs fn in a transaction whose first statement re-checks the grant
// (access.Guard.Confirm: the membership lock, then the role again), and
// gives fn the grant as it stands now.
func (s *service) write(ctx context.Context, g access.Grant, min roles.Role, fn func(q *store.Queries, g access.Grant) error) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		g, err := s.guard.Confirm(ctx, tx, g, min)
		if err != nil {
			return err
		}
		return fn(store.New(tx), g)
	})
}

// chapterExists reports whether chapterID is a live chapter of projectID.
func (s *service) chapterExists(ctx context.Context, q *store.Queries, projectID, chapterID uuid.UUID) (bool, error) {
	ok, err := q.ChapterExists(ctx, store.ChapterExistsParams{ID: chapterID, ProjectID: projectID})
	if err != nil {
		return false, fmt.Errorf("chapter exists: %w", err)
	}
	return ok, nil
}

// liveChapter answers errChapterNotFound unless chapterID is a live
// chapter of projectID. The queries for what lies under a chapter (its
// versions, its comments) check that themselves; this tells, only when one
// of them found nothing, whether the chapter was missing.
func (s *service) liveChapter(ctx context.Context, q *store.Queries, projectID, chapterID uuid.UUID) error {
	ok, err := s.chapterExists(ctx, q, projectID, chapterID)
	if err != nil {
		return err
	}
	if !ok {
		return errChapterNotFound
	}
	return nil
}

// missing is the answer of a query for something under a chapter that
// found nothing: errChapterNotFound when the chapter is not a live chapter
// of the project, otherwise notFound.
func (s *service) missing(ctx context.Context, q *store.Queries, projectID, chapterID uuid.UUID, notFound error) error {
	if err := s.liveChapter(ctx, q, projectID, chapterID); err != nil {
		return err
	}
	return notFound
}

// lockChapter locks a live chapter of the project for a write and checks
// it is at version want.
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

// addWords keeps the book's word total (chapter_word_totals) in step with a
// chapter write, inside that write's transaction.
func addWords(ctx context.Context, q *store.Queries, projectID uuid.UUID, delta int64) error {
	if delta == 0 {
		return nil
	}
	if err := q.AddBookWords(ctx, store.AddBookWordsParams{ProjectID: projectID, Delta: delta}); err != nil {
		return fmt.Errorf("add book words: %w", err)
	}
	return nil
}

// authored is a version or a comment with its author's name: nil when it
// has no author, the author is gone, or names could not be looked up.
type authored[T any] struct {
	Row        T
	AuthorName *string
}

// withAuthors pairs each row with its author's name, looked up in one call
// for the distinct authors. A failed lookup is logged and answered without
// names: names are a courtesy, the ids are the record.
func withAuthors[T any](ctx context.Context, s *service, rows []T, author func(T) *uuid.UUID) []authored[T] {
	out := make([]authored[T], len(rows))
	for i, r := range rows {
		out[i].Row = r
	}
	if s.users == nil || len(rows) == 0 {
		return out
	}
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, r := range rows {
		if id := author(r); id != nil && !seen[*id] {
			seen[*id] = true
			ids = append(ids, *id)
		}
	}
	if len(ids) == 0 {
		return out
	}
	profiles, err := s.users.Profiles(ctx, ids)
	if err != nil {
		s.log.WarnContext(ctx, "author names unavailable", "error", err.Error())
		return out
	}
	for i, r := range rows {
		if id := author(r); id != nil {
			if p, ok := profiles[*id]; ok {
				name := p.FullName
				out[i].AuthorName = &name
			}
		}
	}
	return out
}

// pageUnderChapter makes a page of a list under a chapter (its versions,
// its comments) from rows fetched with LIMIT limit+1 by a query that also
// checks the chapter is a live chapter of the project, and adds the
// authors' names. No rows at all is an empty page, or errChapterNotFound.
func pageUnderChapter[T any](ctx context.Context, s *service, g access.Grant, chapterID uuid.UUID, rows []T,
	scope string, limit int, key func(T) any, author func(T) *uuid.UUID) (page.Page[authored[T]], error) {
	if len(rows) == 0 {
		if err := s.liveChapter(ctx, s.q, g.ProjectID, chapterID); err != nil {
			return page.Page[authored[T]]{}, err
		}
	}
	p := page.Build(s.cursors, scope, rows, limit, same, key)
	return page.Page[authored[T]]{Items: withAuthors(ctx, s, p.Items, author), NextCursor: p.NextCursor}, nil
}

// same is the identity, for page.Build over rows the service returns as
// they are.
func same[T any](v T) T { return v }

// withAuthor is withAuthors for one row.
func withAuthor[T any](ctx context.Context, s *service, row T, author func(T) *uuid.UUID) authored[T] {
	return withAuthors(ctx, s, []T{row}, author)[0]
}
