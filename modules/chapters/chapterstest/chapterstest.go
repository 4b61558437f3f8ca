// Package chapterstest gives the tests of other modules real chapters, made
// with the chapters module's own queries, so that their tests never write
// the chapters tables themselves (and the book's word total stays what the
// chapters module would keep).
package chapterstest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/db"
)

// Add appends a live chapter of project whose text is words words, keeps
// the book's total, and returns the chapter's id.
func Add(t testing.TB, pool *pgxpool.Pool, project uuid.UUID, title string, words int) uuid.UUID {
	t.Helper()
	return AddText(t, pool, project, title, strings.TrimSpace(strings.Repeat("word ", words)))
}

// AddText appends a live chapter of project with content as its text,
// keeps the book's total, and returns the chapter's id.
func AddText(t testing.TB, pool *pgxpool.Pool, project uuid.UUID, title, content string) uuid.UUID {
	t.Helper()
	words := len(strings.Fields(content))
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := q.LockProjectChapters(ctx, project); err != nil {
			return err
		}
		order, err := q.ListLiveChapterPositions(ctx, project)
		if err != nil {
			return err
		}
		if _, err := q.CreateChapter(ctx, store.CreateChapterParams{
			ID: id, ProjectID: project, Title: title, Content: content,
			Position: int32(len(order)), Status: "draft", WordCount: int32(words),
		}); err != nil {
			return err
		}
		return q.AddBookWords(ctx, store.AddBookWordsParams{ProjectID: project, Delta: int64(words)})
	})
	if err != nil {
		t.Fatalf("chapterstest: add chapter: %v", err)
	}
	return id
}

// Trash moves chapter to the trash, taking its words out of the book's
// total, as the chapters module does (without closing the gap in the
// positions, which no test of another module looks at).
func Trash(t testing.TB, pool *pgxpool.Pool, project, chapter uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		ch, err := q.GetChapterForUpdate(ctx, store.GetChapterForUpdateParams{ID: chapter, ProjectID: project})
		if err != nil {
			return err
		}
		if err := q.TrashChapter(ctx, chapter); err != nil {
			return err
		}
		return q.AddBookWords(ctx, store.AddBookWordsParams{ProjectID: project, Delta: -int64(ch.WordCount)})
	})
	if err != nil {
		t.Fatalf("chapterstest: trash chapter: %v", err)
	}
}

// TrashAged is Trash as if it had happened age ago (the trash keeps a
// chapter chapters.TrashRetention).
func TrashAged(t testing.TB, pool *pgxpool.Pool, project, chapter uuid.UUID, age time.Duration) {
	t.Helper()
	Trash(t, pool, project, chapter)
	if _, err := pool.Exec(context.Background(), `UPDATE chapters SET deleted_at = now() - make_interval(secs => $2) WHERE id = $1`,
		chapter, age.Seconds()); err != nil {
		t.Fatalf("chapterstest: age trash: %v", err)
	}
}

// Exists reports whether chapter is still stored, live or in the trash.
func Exists(t testing.TB, pool *pgxpool.Pool, chapter uuid.UUID) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM chapters WHERE id = $1)`, chapter).Scan(&ok); err != nil {
		t.Fatalf("chapterstest: chapter exists: %v", err)
	}
	return ok
}

// SetTotals gives each of books a word total of words, in one statement:
// for query plans and benchmarks that need many books.
func SetTotals(t testing.TB, pool *pgxpool.Pool, books []uuid.UUID, words int64) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `INSERT INTO chapter_word_totals (project_id, words)
		SELECT id, $2 FROM unnest($1::uuid[]) id ON CONFLICT (project_id) DO UPDATE SET words = EXCLUDED.words`, books, words)
	if err != nil {
		t.Fatalf("chapterstest: set totals: %v", err)
	}
}
