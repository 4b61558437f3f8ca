package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/research"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/blob/blobtest"
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

// TestLargestAttachmentThroughTheServer: with no bucket configured, an
// attachment at the size limit (far above the server-wide body cap) uploads
// through the server's own presigned URL, confirms and reads back; one byte
// more is refused when declared.
func TestLargestAttachmentThroughTheServer(t *testing.T) {
	t.Parallel()
	c := testkit.Server(t, testHandler(t))
	tok := signup(t, c, "archivist@limits.example", "a very long book indeed, 1869", "Ann")
	var book, note struct{ ID string }
	r := c.Send("POST", "/api/v1/projects", tok.AccessToken, map[string]string{"title": "Sources"})
	testkit.WantStatus(t, r, http.StatusCreated)
	r.JSON(t, &book)
	r = c.Send("POST", "/api/v1/projects/"+book.ID+"/notes", tok.AccessToken, map[string]string{"title": "Scans"})
	testkit.WantStatus(t, r, http.StatusCreated)
	r.JSON(t, &note)
	path := "/api/v1/projects/" + book.ID + "/notes/" + note.ID + "/attachments"

	const limit = research.MaxAttachmentSize // docs/limits.md
	r = c.Send("POST", path, tok.AccessToken, map[string]any{"filename": "scan.pdf", "content_type": "application/pdf", "size": limit + 1})
	testkit.WantProblem(t, r, http.StatusBadRequest, "validation")

	r = c.Send("POST", path, tok.AccessToken, map[string]any{"filename": "scan.pdf", "content_type": "application/pdf", "size": limit})
	testkit.WantStatus(t, r, http.StatusCreated)
	var a struct {
		ID     string
		Upload blob.Request
	}
	r.JSON(t, &a)
	if !strings.HasPrefix(a.Upload.URL, "/api/v1/blobs/") {
		t.Fatalf("upload URL %q: want the local store's", a.Upload.URL)
	}
	file := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{'x'}, limit-9)...)
	if resp := blobtest.Send(t, c.HTTP, c.URL, a.Upload, file); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s %s", resp.Status, resp.Body)
	}
	testkit.WantStatus(t, c.Send("POST", path+"/"+a.ID+"/confirm", tok.AccessToken, nil), http.StatusOK)
	r = c.Get(path+"/"+a.ID, tok.AccessToken) // the client follows the redirect
	testkit.WantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, file) || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("read back %d bytes of %s", len(r.Body), r.Header.Get("Content-Type"))
	}
}
