package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestLargestChapterThroughTheServer: the server-wide body cap must not
// undercut the chapters module's own limit. A chapter at the content limit
// saves through the production wiring; one byte more is refused with 400,
// and a body past the route cap with 413.
func TestLargestChapterThroughTheServer(t *testing.T) {
	t.Parallel()
	c := testkit.Server(t, testHandler(t))
	tok := signup(t, c, "novelist@limits.example", "a very long book indeed, 1869", "Leo")
	var book, chapter struct{ ID string }
	r := c.Send("POST", "/api/v1/projects", tok.AccessToken, map[string]string{"title": "War and Peace"})
	testkit.WantStatus(t, r, http.StatusCreated)
	r.JSON(t, &book)
	path := "/api/v1/projects/" + book.ID + "/chapters"
	r = c.Send("POST", path, tok.AccessToken, map[string]string{"title": "Book One"})
	testkit.WantStatus(t, r, http.StatusCreated)
	r.JSON(t, &chapter)

	const limit = chapters.MaxChapterContent // docs/limits.md
	full := strings.Repeat("word ", limit/5) + strings.Repeat("w", limit%5)
	for _, tc := range []struct {
		name    string
		content string
		version int // the chapter is at 1, and at 2 after the first save
		status  int
	}{
		{"at the limit", full, 1, http.StatusOK},
		{"one byte over", full + "x", 2, http.StatusBadRequest},
		{"past the route's body cap", full + full, 2, http.StatusRequestEntityTooLarge},
	} {
		resp := c.Send("PATCH", path+"/"+chapter.ID, tok.AccessToken, map[string]any{"content": tc.content, "version": tc.version})
		if resp.StatusCode != tc.status { // not WantStatus: it would print megabytes
			t.Errorf("%s (%d bytes): status %d, want %d", tc.name, len(tc.content), resp.StatusCode, tc.status)
		}
	}
}
