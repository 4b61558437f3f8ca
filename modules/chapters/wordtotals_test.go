package chapters

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// totals returns the running total kept through WordTotals and the sum of
// the live chapters' word counts, which must always agree.
func (e *env) totals(project uuid.UUID) (kept, live int64) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.pool.QueryRow(ctx, `SELECT coalesce((SELECT words FROM book_word_totals WHERE project_id = $1), 0)`, project).Scan(&kept); err != nil {
		e.t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT coalesce(sum(word_count), 0) FROM chapters WHERE project_id = $1 AND deleted_at IS NULL`, project).Scan(&live); err != nil {
		e.t.Fatal(err)
	}
	return kept, live
}

func (e *env) wantTotal(step string, want int64) {
	e.t.Helper()
	kept, live := e.totals(e.project)
	if kept != want || live != want {
		e.t.Fatalf("after %s: kept total %d, live chapters hold %d, want %d", step, kept, live, want)
	}
}

// Every write that changes a book's live words reports exactly that change,
// and a write that fails reports nothing.
func TestWordTotalsFollowEveryWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clockAhead(SnapshotInterval + time.Minute) // every edit is recorded
	a := e.createChapter("A", "one two three")
	b := e.createChapter("B", "four five")
	e.wantTotal("two creates", 5)

	a = e.patch(a.ID, e.editor.Token, a.Version, map[string]any{"content": "one two three four five six"})
	e.wantTotal("a longer text", 8)
	a = e.patch(a.ID, e.editor.Token, a.Version, map[string]any{"title": "A, renamed", "status": "revising"})
	e.wantTotal("title and status only", 8)

	// Rejected writes: stale version, oversized title. Nothing moves.
	resp := e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.chapterPath(e.project, a.ID), Token: e.editor.Token,
		Header: http.Header{"If-Match": {`"1"`}}, Body: map[string]any{"content": "x"}})
	testkit.WantStatus(t, resp, http.StatusPreconditionFailed)
	e.wantTotal("a stale write", 8)

	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, b.ID), e.owner.Token, nil), http.StatusNoContent)
	e.wantTotal("trashing B", 6)
	testkit.WantStatus(t, e.c.Send(http.MethodPost, e.chapterPath(e.project, b.ID)+"/restore", e.owner.Token, nil), http.StatusOK)
	e.wantTotal("restoring B", 8)

	// Restoring A's first version brings back three words.
	vs := e.versions(a.ID)
	first := vs[len(vs)-1]
	resp = e.c.Do(testkit.Request{Method: http.MethodPost, Path: e.chapterPath(e.project, a.ID) + "/versions/" + first.ID.String() + "/restore",
		Token: e.editor.Token, Header: http.Header{"If-Match": {fmt.Sprintf(`"%d"`, a.Version)}}})
	testkit.WantStatus(t, resp, http.StatusCreated)
	e.wantTotal("restoring a version", 5)

	// Another project's total is untouched by all of it.
	if kept, _ := e.totals(e.other); kept != 0 {
		t.Errorf("the other project's total moved to %d", kept)
	}
}

// Concurrent saves of different chapters of one book never lose a change
// to the total.
func TestWordTotalsUnderConcurrentSaves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const chapters, rounds = 6, 8
	ids := make([]uuid.UUID, chapters)
	for i := range ids {
		ids[i] = e.createChapter(fmt.Sprintf("C%d", i), "").ID
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			for r := 1; r <= rounds; r++ {
				words := make([]byte, 0, 64)
				for range (i+1)*r + 1 {
					words = append(words, "word "...)
				}
				resp := e.c.Send(http.MethodPatch, e.chapterPath(e.project, id), e.editor.Token, map[string]any{"content": string(words), "version": r})
				if resp.StatusCode != http.StatusOK {
					t.Errorf("save %d of chapter %d: %d %s", r, i, resp.StatusCode, resp.Body)
					return
				}
			}
		})
	}
	// Trash and restore a chapter of its own meanwhile.
	extra := e.createChapter("Extra", "a b c d")
	wg.Go(func() {
		for range rounds {
			if resp := e.c.Send(http.MethodDelete, e.chapterPath(e.project, extra.ID), e.owner.Token, nil); resp.StatusCode != http.StatusNoContent {
				t.Errorf("trash: %d %s", resp.StatusCode, resp.Body)
				return
			}
			if resp := e.c.Send(http.MethodPost, e.chapterPath(e.project, extra.ID)+"/restore", e.owner.Token, nil); resp.StatusCode != http.StatusOK {
				t.Errorf("restore: %d %s", resp.StatusCode, resp.Body)
				return
			}
		}
	})
	wg.Wait()
	var want int64 = 4
	for i := range chapters {
		want += int64((i+1)*rounds + 1)
	}
	e.wantTotal("concurrent saves", want)
}
