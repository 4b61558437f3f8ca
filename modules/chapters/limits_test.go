package chapters

import (
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("content of exactly 2 MiB is accepted", func(t *testing.T) {
		// "é\n" is 3 bytes of UTF-8 and 3 in JSON ("é\n" escapes the newline).
		content := strings.Repeat("é\n", MaxChapterContent/3) + strings.Repeat("a", MaxChapterContent%3)
		resp := e.c.Send(http.MethodPost, e.chaptersPath(e.project), e.owner.Token, map[string]any{"title": "Big", "content": content})
		testkit.WantStatus(t, resp, http.StatusCreated)
		var ch chapterResponse
		resp.JSON(t, &ch)
		if len(*ch.Content) != MaxChapterContent || ch.WordCount != int32(MaxChapterContent/3+1) {
			t.Fatalf("stored %d bytes, %d words", len(*ch.Content), ch.WordCount)
		}
	})
	t.Run("chapters per project", func(t *testing.T) {
		e := newEnv(t)
		e.exec(`INSERT INTO chapters (project_id, title, position) SELECT $1, 'c', g FROM generate_series(0, $2 - 1) g`, e.project, MaxChaptersPerProject)
		testkit.WantProblem(t, e.c.Send(http.MethodPost, e.chaptersPath(e.project), e.owner.Token, map[string]any{"title": "one too many"}), http.StatusConflict, "conflict")
	})
	t.Run("comments per chapter", func(t *testing.T) {
		ch := e.createChapter("Busy", "")
		e.exec(`INSERT INTO comments (chapter_id, project_id, body) SELECT $1, $2, 'c' FROM generate_series(1, $3)`, ch.ID, e.project, MaxCommentsPerChapter)
		testkit.WantProblem(t, e.c.Send(http.MethodPost, e.commentsPath(ch.ID), e.comm.Token, map[string]any{"body": "one too many"}), http.StatusConflict, "conflict")
	})
}

func TestContentPagesAreCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(`INSERT INTO chapters (project_id, title, position, content) SELECT $1, 'c', g, 'words' FROM generate_series(0, 24) g`, e.project)
	resp := e.c.Get(e.chaptersPath(e.project)+"?include=content&limit=200", e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var p struct {
		Items      []chapterResponse `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	resp.JSON(t, &p)
	if len(p.Items) != MaxContentPage || p.NextCursor == "" {
		t.Fatalf("%d items, cursor %q; want %d and a cursor", len(p.Items), p.NextCursor, MaxContentPage)
	}
}
