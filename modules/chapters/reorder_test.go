package chapters

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestReorderChapters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b, c := e.createChapter("A", ""), e.createChapter("B", ""), e.createChapter("C", "")
	trashed := e.createChapter("T", "")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, trashed.ID), e.owner.Token, nil), http.StatusNoContent)
	foreign := uuid.Must(uuid.NewV7())
	e.exec(`INSERT INTO chapters (id, project_id, title, position) VALUES ($1, $2, 'F', 0)`, foreign, e.other)
	path := e.chaptersPath(e.project) + "/reorder"

	resp := e.c.Send(http.MethodPost, path, e.editor.Token, map[string]any{"chapter_ids": []uuid.UUID{c.ID, a.ID, b.ID}})
	testkit.WantStatus(t, resp, http.StatusOK)
	var out struct{ Items []chapterResponse }
	resp.JSON(t, &out)
	if len(out.Items) != 3 || out.Items[0].ID != c.ID || out.Items[2].Position != 2 {
		t.Fatalf("reorder answer = %s", resp.Body)
	}
	if got := e.order(e.project); !slices.Equal(got, []string{"C", "A", "B"}) {
		t.Fatalf("order = %v", got)
	}

	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"duplicate", map[string]any{"chapter_ids": []uuid.UUID{a.ID, b.ID, a.ID, c.ID}}, 400, []string{"chapter_ids[2]"}},
		{"foreign id", map[string]any{"chapter_ids": []uuid.UUID{a.ID, foreign, b.ID, c.ID}}, 400, []string{"chapter_ids[1]"}},
		{"unknown and trashed ids", map[string]any{"chapter_ids": []uuid.UUID{uuid.New(), a.ID, b.ID, c.ID, trashed.ID}}, 400, []string{"chapter_ids[0]", "chapter_ids[4]"}},
		{"missing a chapter", map[string]any{"chapter_ids": []uuid.UUID{a.ID, b.ID}}, 409, []string{"chapter_ids"}},
		{"empty list", map[string]any{"chapter_ids": []uuid.UUID{}}, 409, []string{"chapter_ids"}},
		{"absent list", map[string]any{}, 400, []string{"chapter_ids"}},
		{"not uuids", `{"chapter_ids":["x"]}`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := e.c.Send(http.MethodPost, path, e.owner.Token, tt.body)
			testkit.WantStatus(t, resp, tt.status)
			p := resp.Problem(t)
			errs, _ := p["errors"].(map[string]any)
			for _, f := range tt.fields {
				if _, ok := errs[f]; !ok {
					t.Errorf("errors = %v, want %q", errs, f)
				}
			}
			if tt.name == "missing a chapter" && !strings.Contains(fmt.Sprint(errs["chapter_ids"]), c.ID.String()) {
				t.Errorf("missing list %v does not name %s", errs["chapter_ids"], c.ID)
			}
		})
	}
	t.Cleanup(func() {
		if got := e.order(e.project); !slices.Equal(got, []string{"C", "A", "B"}) {
			t.Errorf("rejected reorders changed the order: %v", got)
		}
	})
}

// TestConcurrentOrderChanges runs reorders, creates, deletes and restores at
// the same time; positions must stay dense and unique, and the final order
// must be one a request asked for.
func TestConcurrentOrderChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ids []uuid.UUID
	for i := range 8 {
		ids = append(ids, e.createChapter(fmt.Sprintf("C%d", i), "").ID)
	}
	path := e.chaptersPath(e.project) + "/reorder"
	var wg sync.WaitGroup
	statuses := make(chan int, 64)
	for g := range 12 {
		wg.Go(func() {
			perm := slices.Clone(ids)
			rand.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			resp := e.c.Send(http.MethodPost, path, e.owner.Token, map[string]any{"chapter_ids": perm})
			statuses <- resp.StatusCode
			if g%4 == 0 {
				resp := e.c.Send(http.MethodPost, e.chaptersPath(e.project), e.owner.Token, map[string]any{"title": fmt.Sprintf("N%d", g), "position": g % 3})
				statuses <- resp.StatusCode
			}
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		// A reorder that raced a create lists one chapter too few: 409.
		if s != http.StatusOK && s != http.StatusCreated && s != http.StatusConflict {
			t.Errorf("status %d under concurrency", s)
		}
	}
	got := e.order(e.project) // checks density
	if len(got) != 11 {
		t.Fatalf("%d chapters, want 11: %v", len(got), got)
	}

	// Deletes and restores racing reorders of the remaining chapters.
	var wg2 sync.WaitGroup
	for i, id := range ids[:4] {
		wg2.Go(func() {
			e.c.Send(http.MethodDelete, e.chapterPath(e.project, id), e.owner.Token, nil)
			if i%2 == 0 {
				e.c.Send(http.MethodPost, e.chapterPath(e.project, id)+"/restore", e.owner.Token, nil)
			}
		})
	}
	wg2.Wait()
	if got := e.order(e.project); len(got) != 9 {
		t.Fatalf("%d chapters after deletes and restores, want 9: %v", len(got), got)
	}
}

// TestConcurrentSavesNeverLoseWork sends two PATCHes of the same chapter
// version at once: exactly one wins, the other gets 412, and the stored
// text is the winner's.
func TestConcurrentSavesNeverLoseWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 5 {
		ch := e.createChapter(fmt.Sprintf("R%d", round), "start")
		var wg sync.WaitGroup
		codes := make([]int, 2)
		texts := []string{"the editor's text", "the owner's text"}
		tokens := []string{e.editor.Token, e.owner.Token}
		for i := range 2 {
			wg.Go(func() {
				resp := e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.chapterPath(e.project, ch.ID), Token: tokens[i],
					Header: http.Header{"If-Match": {`"1"`}}, Body: map[string]any{"content": texts[i]}})
				codes[i] = resp.StatusCode
			})
		}
		wg.Wait()
		slices.Sort(codes)
		if codes[0] != http.StatusOK || codes[1] != http.StatusPreconditionFailed {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, codes)
		}
		resp := e.c.Get(e.chapterPath(e.project, ch.ID), e.owner.Token)
		var got chapterResponse
		resp.JSON(t, &got)
		if got.Version != 2 || !slices.Contains(texts, *got.Content) {
			t.Fatalf("round %d: stored version %d content %q", round, got.Version, *got.Content)
		}
	}
}
