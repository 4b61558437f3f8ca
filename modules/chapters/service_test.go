package chapters

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// state is everything the module keeps about the book, as one string, to
// show that a refused write changed nothing.
func (e *env) state(t *testing.T) string {
	t.Helper()
	var s string
	err := e.pool.QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(',', id, title, content, position, status, word_count, version, deleted_at IS NULL), '; ' ORDER BY id) FROM chapters WHERE project_id = $1),
		(SELECT string_agg(concat_ws(',', id, number, reason), '; ' ORDER BY id) FROM versions WHERE project_id = $1),
		(SELECT string_agg(concat_ws(',', id, body, resolved, version, deleted_at IS NULL), '; ' ORDER BY id) FROM comments WHERE project_id = $1),
		(SELECT words FROM book_word_totals WHERE project_id = $1))`, e.project).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWritesConfirmTheGrant calls every write with the grant a route's
// check gave before the caller lost their role: each write re-checks it in
// its transaction, answers as the role stands now, and commits nothing.
func TestWritesConfirmTheGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "some words here")
	trashed := e.createChapter("Trashed", "more words")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.chapterPath(e.project, trashed.ID), e.owner.Token, nil), http.StatusNoContent)
	first := e.versions(ch.ID)[0]
	// A comment the viewer wrote while they were still a commenter, and one
	// by the commenter.
	viewers := uuid.Must(uuid.NewV7())
	e.exec(`INSERT INTO comments (id, chapter_id, project_id, author_id, body) VALUES ($1, $2, $3, $4, 'mine')`, viewers, ch.ID, e.project, e.viewer.ID)
	commenters := e.comment(ch.ID, e.comm.Token, map[string]any{"body": "theirs"}).ID

	ctx := t.Context()
	s := e.mod.svc
	writes := []struct {
		name  string
		least roles.Role
		do    func(g access.Grant) error
	}{
		{"create chapter", roles.Editor, func(g access.Grant) error {
			_, err := s.CreateChapter(ctx, g, newChapter{Title: "New", Content: "a b c"})
			return err
		}},
		{"update chapter", roles.Editor, func(g access.Grant) error {
			_, err := s.UpdateChapter(ctx, g, ch.ID, expect.Any, chapterChange{Content: ptr("other words")})
			return err
		}},
		{"trash chapter", roles.Editor, func(g access.Grant) error { return s.TrashChapter(ctx, g, ch.ID, expect.Any) }},
		{"restore chapter", roles.Editor, func(g access.Grant) error {
			_, err := s.RestoreChapter(ctx, g, trashed.ID)
			return err
		}},
		{"reorder chapters", roles.Editor, func(g access.Grant) error {
			_, err := s.ReorderChapters(ctx, g, []uuid.UUID{ch.ID})
			return err
		}},
		{"create version", roles.Editor, func(g access.Grant) error {
			_, err := s.CreateVersion(ctx, g, ch.ID, nil)
			return err
		}},
		{"restore version", roles.Editor, func(g access.Grant) error {
			_, _, err := s.RestoreVersion(ctx, g, ch.ID, first.ID, expect.Any)
			return err
		}},
		{"create comment", roles.Commenter, func(g access.Grant) error {
			_, err := s.CreateComment(ctx, g, ch.ID, newComment{Body: "hi"})
			return err
		}},
		{"edit own comment", roles.Commenter, func(g access.Grant) error {
			_, err := s.UpdateComment(ctx, g, ch.ID, viewers, expect.Any, commentChange{Body: ptr("edited")})
			return err
		}},
		{"delete own comment", roles.Commenter, func(g access.Grant) error { return s.TrashComment(ctx, g, ch.ID, viewers, expect.Any) }},
		{"resolve comment", roles.Commenter, func(g access.Grant) error {
			_, err := s.SetResolved(ctx, g, ch.ID, viewers, expect.Any, true)
			return err
		}},
	}
	// Who is now just below each least role, and what they get.
	downgraded := map[roles.Role]testkit.TestUser{roles.Editor: e.comm, roles.Commenter: e.viewer}
	before := e.state(t)
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			for _, tc := range []struct {
				who  string
				user uuid.UUID
				kind apperr.Kind
			}{
				{"downgraded", downgraded[w.least].ID, apperr.Forbidden},
				{"removed", e.stranger.ID, apperr.NotFound},
			} {
				// The route's check let them through as owner.
				g := access.Grant{UserID: tc.user, ProjectID: e.project, Role: roles.Owner}
				if err := w.do(g); !apperr.Is(err, tc.kind) {
					t.Errorf("%s: %v, want %s", tc.who, err, tc.kind)
				}
			}
		})
	}
	// Only the author or the owner deletes a comment, by the role confirmed
	// in the transaction, not the one the grant came with.
	g := access.Grant{UserID: e.editor.ID, ProjectID: e.project, Role: roles.Owner}
	if err := s.TrashComment(ctx, g, ch.ID, commenters, expect.Any); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("an editor's stale owner grant deleted a comment: %v", err)
	}
	if diff := cmp.Diff(before, e.state(t)); diff != "" {
		t.Errorf("refused writes changed the book (-before +after):\n%s", diff)
	}
}

// TestAccessLostInFlightCommitsNothing: an editor's save passes the route's
// check, then the book goes to the trash while the save waits for the
// membership lock the trash holds. The save must not commit.
func TestAccessLostInFlightCommitsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChapter("One", "the text before")
	before := e.state(t)
	ctx := t.Context()

	// The owner's trash takes the membership lock before anything else.
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if err := access.LockMembers(ctx, tx, e.project); err != nil {
		t.Fatal(err)
	}

	done := make(chan *testkit.Response, 1)
	go func() {
		done <- e.c.Send(http.MethodPatch, e.chapterPath(e.project, ch.ID), e.editor.Token,
			map[string]any{"content": "the editor's late words", "version": ch.Version})
	}()
	// Wait until the save waits for the lock in its transaction.
	for waiting := false; !waiting; {
		select {
		case resp := <-done:
			t.Fatalf("the save finished while the membership lock was held: %d %s", resp.StatusCode, resp.Body)
		case <-time.After(10 * time.Millisecond):
		}
		err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
			WHERE locktype = 'advisory' AND mode = 'ShareLock' AND NOT granted
			  AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('access:' || $1::text, 0))`,
			e.project).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
	}
	e.books.Trash(t, e.project)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	testkit.WantProblem(t, <-done, http.StatusNotFound, "not-found")
	if diff := cmp.Diff(before, e.state(t)); diff != "" {
		t.Errorf("the save changed the book (-before +after):\n%s", diff)
	}
}
