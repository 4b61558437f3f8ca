package research

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/blob/blobtest"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

var (
	// pngFile is a PNG signature and header, enough for a real type check.
	pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"), bytes.Repeat([]byte{0x42}, 300)...)
	pdfFile = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
)

// blobKinds are the stores every attachment test runs on.
var blobKinds = []string{"local", "s3"}

// onStores runs f on an env of each blob store.
func onStores(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, kind := range blobKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, newEnvStore(t, nil, kind))
		})
	}
}

func (e *env) attachmentsPath(note uuid.UUID) string {
	return e.path(e.project, "notes/"+note.String()+"/attachments")
}

// declare asks for an upload and returns the answer.
func (e *env) declare(t testing.TB, note uuid.UUID, token, filename, ctype string, size int) newAttachmentResponse {
	t.Helper()
	resp := e.c.For(t).Send(http.MethodPost, e.attachmentsPath(note), token, map[string]any{"filename": filename, "content_type": ctype, "size": size})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var a newAttachmentResponse
	resp.JSON(t, &a)
	return a
}

// upload sends body with the presigned request, as a browser would.
func (e *env) upload(t testing.TB, a newAttachmentResponse, body []byte) *blobtest.Response {
	t.Helper()
	return blobtest.Send(t, e.c.HTTP, e.c.URL, a.Upload, body)
}

func (e *env) confirm(t testing.TB, note, id uuid.UUID, token string) *testkit.Response {
	t.Helper()
	return e.c.For(t).Send(http.MethodPost, e.attachmentsPath(note)+"/"+id.String()+"/confirm", token, nil)
}

// attach declares, uploads and confirms a file, returning the attachment.
func (e *env) attach(t testing.TB, note uuid.UUID, filename, ctype string, body []byte) attachmentResponse {
	t.Helper()
	a := e.declare(t, note, e.editor.Token, filename, ctype, len(body))
	if resp := e.upload(t, a, body); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s %s", resp.Status, resp.Body)
	}
	resp := e.confirm(t, note, a.ID, e.editor.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var out attachmentResponse
	resp.JSON(t, &out)
	return out
}

// download follows GET .../attachments/{id} to the file, returning the
// redirect and the file's response.
func (e *env) download(t testing.TB, note, id uuid.UUID, token string) (*testkit.Response, *blobtest.Response) {
	t.Helper()
	c := *e.c.HTTP
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client := &testkit.Client{URL: e.c.URL, HTTP: &c}
	resp := client.For(t).Get(e.attachmentsPath(note)+"/"+id.String(), token)
	if resp.StatusCode != http.StatusFound {
		return resp, nil
	}
	loc := resp.Header.Get("Location")
	return resp, blobtest.Send(t, e.c.HTTP, e.c.URL, blob.Request{Method: http.MethodGet, URL: loc}, nil)
}

func (e *env) listAttachments(t testing.TB, note uuid.UUID, token, query string) page.Page[attachmentResponse] {
	t.Helper()
	resp := e.c.For(t).Get(e.attachmentsPath(note)+query, token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var p page.Page[attachmentResponse]
	resp.JSON(t, &p)
	return p
}

func (e *env) stored(t testing.TB, key string) bool {
	t.Helper()
	_, err := e.blobs.Head(context.Background(), key)
	if err != nil && !errors.Is(err, blob.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestAttachmentHappyPath(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, e *env) {
		note := e.createNote(t, e.editor.Token, map[string]any{"title": "Castle plans"})
		a := e.declare(t, note.ID, e.editor.Token, "Plan du château.png", "image/png", len(pngFile))
		if a.Status != "pending" || a.Upload.Method != http.MethodPut || a.Upload.Header["Content-Type"] != "image/png" ||
			a.Size != int64(len(pngFile)) || a.NoteID != note.ID || *a.UploaderID != e.editor.ID {
			t.Fatalf("declared = %+v", a)
		}
		if d := time.Until(a.Upload.ExpiresAt); d < UploadURLTTL-time.Minute || d > UploadURLTTL+time.Second {
			t.Errorf("upload expires in %v", d)
		}
		// Not readable, not listed before it is confirmed.
		testkit.WantProblem(t, e.c.Get(e.attachmentsPath(note.ID)+"/"+a.ID.String(), e.viewer.Token), http.StatusNotFound, "not-found")
		if p := e.listAttachments(t, note.ID, e.viewer.Token, ""); len(p.Items) != 0 {
			t.Fatalf("listed before confirm: %+v", p.Items)
		}
		// Confirming before the upload.
		testkit.WantProblem(t, e.confirm(t, note.ID, a.ID, e.editor.Token), http.StatusConflict, "conflict")

		if resp := e.upload(t, a, pngFile); resp.StatusCode != http.StatusOK {
			t.Fatalf("upload: %s %s", resp.Status, resp.Body)
		}
		resp := e.confirm(t, note.ID, a.ID, e.editor.Token)
		testkit.WantStatus(t, resp, http.StatusOK)
		var got attachmentResponse
		resp.JSON(t, &got)
		if got.Status != "ready" || got.ConfirmedAt == nil {
			t.Fatalf("confirmed = %+v", got)
		}
		// Confirming again changes nothing.
		testkit.WantStatus(t, e.confirm(t, note.ID, a.ID, e.editor.Token), http.StatusOK)

		redirect, file := e.download(t, note.ID, a.ID, e.viewer.Token)
		if file == nil || file.StatusCode != http.StatusOK || !bytes.Equal(file.Body, pngFile) {
			t.Fatalf("download: %d %s, file %+v", redirect.StatusCode, redirect.Body, file)
		}
		if ct := file.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("file Content-Type = %q", ct)
		}
		if cd := file.Header.Get("Content-Disposition"); !strings.Contains(cd, "ch%C3%A2teau") {
			t.Errorf("file Content-Disposition = %q", cd)
		}
		p := e.listAttachments(t, note.ID, e.viewer.Token, "")
		if len(p.Items) != 1 || p.Items[0].ID != a.ID || p.Items[0].Filename != "Plan du château.png" || p.NextCursor != "" {
			t.Fatalf("list = %+v", p)
		}

		// The confirmed object is out of the upload link's reach: a second
		// upload with the same link does not change what readers get.
		other := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{'x'}, len(pngFile)-8)...)
		e.upload(t, a, other)
		if _, file := e.download(t, note.ID, a.ID, e.viewer.Token); !bytes.Equal(file.Body, pngFile) {
			t.Fatal("a later upload replaced the confirmed file")
		}

		// Delete: gone from the API and from the store.
		testkit.WantStatus(t, e.c.Send(http.MethodDelete, e.attachmentsPath(note.ID)+"/"+a.ID.String(), e.editor.Token, nil), http.StatusNoContent)
		testkit.WantProblem(t, e.c.Get(e.attachmentsPath(note.ID)+"/"+a.ID.String(), e.viewer.Token), http.StatusNotFound, "not-found")
		if key := objectKey(e.project, note.ID, a.ID); e.stored(t, key) {
			t.Fatal("the deleted attachment's object is still stored")
		}
	})
}

func TestAttachmentConfirmChecksTheStoredObject(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, e *env) {
		note := e.createNote(t, e.editor.Token, map[string]any{"title": "Sources"})
		text := []byte(strings.Repeat("not an image at all. ", 20))
		for name, tc := range map[string]struct {
			declared, sentType string
			declSize           int
			body               []byte
			field, want        string
		}{
			// A text file sent as the PNG it was declared to be.
			"text as png": {"image/png", "image/png", len(text), text, "content_type", "the file's content is none of the allowed types"},
			// A real PDF where a PNG was declared.
			"pdf as png": {"image/png", "image/png", len(pdfFile), pdfFile, "content_type", "content is application/pdf"},
			// The store holds another size than declared (S3 enforces the
			// signed length; this is the object that got there anyway).
			"size": {"image/png", "image/png", 100, pngFile, "size", fmt.Sprintf("100 bytes were declared, %d arrived", len(pngFile))},
			// The object carries another content type than declared.
			"stored type": {"image/png", "image/jpeg", len(pngFile), pngFile, "content_type", "the upload said image/jpeg"},
		} {
			t.Run(name, func(t *testing.T) {
				a := e.declare(t, note.ID, e.editor.Token, "f.png", tc.declared, tc.declSize)
				key := objectKey(e.project, note.ID, a.ID)
				blobtest.Put(t, e.blobs, e.c.HTTP, e.c.URL, uploadKey(key), tc.sentType, tc.body)
				p := testkit.WantProblem(t, e.confirm(t, note.ID, a.ID, e.editor.Token), http.StatusBadRequest, "upload-rejected")
				errs, _ := p["errors"].(map[string]any)
				if msg, _ := errs[tc.field].(string); !strings.Contains(msg, tc.want) {
					t.Fatalf("errors = %v, want %s: …%s…", errs, tc.field, tc.want)
				}
				// Refused: the attachment and its checked copy are gone; the
				// upload object goes once its link has expired.
				testkit.WantProblem(t, e.confirm(t, note.ID, a.ID, e.editor.Token), http.StatusNotFound, "not-found")
				if e.stored(t, key) {
					t.Fatal("the refused copy is still stored")
				}
				e.clock.Advance(UploadURLTTL + time.Minute) // only for the fake S3's link checks
				e.exec(t, `UPDATE research_object_deletions SET not_before = now() - interval '1 second' WHERE object_key = $1`, uploadKey(key))
				if _, err := PurgeUploads(context.Background(), e.pool, e.blobs); err != nil {
					t.Fatal(err)
				}
				if e.stored(t, uploadKey(key)) {
					t.Fatal("the refused upload is still stored after the purge")
				}
			})
		}
	})
}

func TestAttachmentRefusedWhenDeclared(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"over the size limit": {map[string]any{"filename": "a.pdf", "content_type": "application/pdf", "size": MaxAttachmentSize + 1}, "size"},
		"empty":               {map[string]any{"filename": "a.pdf", "content_type": "application/pdf", "size": 0}, "size"},
		"gif":                 {map[string]any{"filename": "a.gif", "content_type": "image/gif", "size": 10}, "content_type"},
		"svg":                 {map[string]any{"filename": "a.svg", "content_type": "image/svg+xml", "size": 10}, "content_type"},
		"html":                {map[string]any{"filename": "a.html", "content_type": "text/html", "size": 10}, "content_type"},
		"path":                {map[string]any{"filename": "../../etc/passwd", "content_type": "image/png", "size": 10}, "filename"},
		"backslash":           {map[string]any{"filename": `a\b.png`, "content_type": "image/png", "size": 10}, "filename"},
		"dot file":            {map[string]any{"filename": ".htaccess", "content_type": "image/png", "size": 10}, "filename"},
		"right-to-left":       {map[string]any{"filename": "photo\u202egnp.exe", "content_type": "image/png", "size": 10}, "filename"},
		"control":             {map[string]any{"filename": "a\nb.png", "content_type": "image/png", "size": 10}, "filename"},
		"long":                {map[string]any{"filename": strings.Repeat("é", MaxFilename+1), "content_type": "image/png", "size": 10}, "filename"},
		"no name":             {map[string]any{"filename": "  ", "content_type": "image/png", "size": 10}, "filename"},
	} {
		t.Run(name, func(t *testing.T) {
			p := testkit.WantProblem(t, e.c.Send(http.MethodPost, e.attachmentsPath(note.ID), e.editor.Token, tc.body), http.StatusBadRequest, "validation")
			if errs, _ := p["errors"].(map[string]any); errs[tc.field] == nil {
				t.Fatalf("errors = %v, want %s", errs, tc.field)
			}
		})
	}
	// Exactly at the limit is fine, and the largest name too.
	e.declare(t, note.ID, e.editor.Token, strings.Repeat("é", MaxFilename), "application/pdf", MaxAttachmentSize)
	// A trashed note, another project's note, no note: 404.
	gone := e.createNote(t, e.editor.Token, map[string]any{"title": "gone"})
	e.trash(t, e.project, e.editor.Token, "notes/"+gone.ID.String())
	body := map[string]any{"filename": "a.png", "content_type": "image/png", "size": 10}
	foreign := e.createNoteIn(t, e.other, e.stranger.Token, map[string]any{"title": "theirs"})
	for _, id := range []uuid.UUID{gone.ID, foreign.ID, uuid.New()} {
		testkit.WantProblem(t, e.c.Send(http.MethodPost, e.attachmentsPath(id), e.editor.Token, body), http.StatusNotFound, "not-found")
	}
}

func TestAttachmentCountLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
	e.exec(t, `INSERT INTO research_attachments (id, project_id, note_id, object_key, filename, content_type, size, upload_expires_at)
		SELECT gen_random_uuid(), $1, $2, 'k' || i, 'f', 'image/png', 1, now() FROM generate_series(1, $3) i`, e.project, note.ID, MaxAttachmentsPerNote)
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.attachmentsPath(note.ID), e.editor.Token,
		map[string]any{"filename": "a.png", "content_type": "image/png", "size": 10}), http.StatusConflict, "conflict")
}

func TestAttachmentRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
	ready := e.attach(t, note.ID, "a.pdf", "application/pdf", pdfFile)
	base := e.attachmentsPath(note.ID)
	testkit.RunRoleMatrix(t, e.c, e.callers(), []testkit.RoleCase{
		{Name: "list", Least: roles.Viewer, OK: http.StatusOK, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return testkit.Request{Method: http.MethodGet, Path: base}
		}},
		{Name: "declare", Least: roles.Editor, OK: http.StatusCreated, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return testkit.Request{Method: http.MethodPost, Path: base, Body: map[string]any{"filename": "b.png", "content_type": "image/png", "size": 5}}
		}},
		{Name: "confirm", Least: roles.Editor, OK: http.StatusOK, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return testkit.Request{Method: http.MethodPost, Path: base + "/" + ready.ID.String() + "/confirm"}
		}},
		{Name: "delete", Least: roles.Editor, OK: http.StatusNoContent, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			a := e.attach(t, note.ID, "c.pdf", "application/pdf", pdfFile)
			return testkit.Request{Method: http.MethodDelete, Path: base + "/" + a.ID.String()}
		}},
	})
	// Reading: the redirect for every member, never for anyone else.
	for _, c := range e.callers() {
		resp, file := e.download(t, note.ID, ready.ID, c.Token)
		switch {
		case c.Token == "":
			testkit.WantProblem(t, resp, http.StatusUnauthorized, "unauthenticated")
		case c.Role == "":
			testkit.WantProblem(t, resp, http.StatusNotFound, "not-found")
		case file == nil || !bytes.Equal(file.Body, pdfFile):
			t.Errorf("%s: download %d %s", c.Name, resp.StatusCode, resp.Body)
		}
	}
	// Another project's attachment path, with this project's id: 404.
	theirs := e.createNoteIn(t, e.other, e.stranger.Token, map[string]any{"title": "theirs"})
	testkit.WantProblem(t, e.c.Get(e.attachmentsPath(theirs.ID)+"/"+ready.ID.String(), e.owner.Token), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Get(e.path(e.other, "notes/"+note.ID.String()+"/attachments/"+ready.ID.String()), e.stranger.Token), http.StatusNotFound, "not-found")
}

func TestAttachmentLinksExpire(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, e *env) {
		note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
		ready := e.attach(t, note.ID, "a.png", "image/png", pngFile)
		c := *e.c.HTTP
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp := (&testkit.Client{URL: e.c.URL, HTTP: &c}).For(t).Get(e.attachmentsPath(note.ID)+"/"+ready.ID.String(), e.viewer.Token)
		testkit.WantStatus(t, resp, http.StatusFound)
		read := blob.Request{Method: http.MethodGet, URL: resp.Header.Get("Location")}

		late := e.declare(t, note.ID, e.editor.Token, "b.png", "image/png", len(pngFile))
		e.clock.Advance(UploadURLTTL + time.Second)
		if resp := e.upload(t, late, pngFile); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("upload after expiry: %s", resp.Status)
		}
		if resp := blobtest.Send(t, e.c.HTTP, e.c.URL, read, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("read after expiry: %s", resp.Status)
		}
		// The server's own clock: the link ran out before the file came.
		e.exec(t, `UPDATE research_attachments SET upload_expires_at = now() - interval '1 second' WHERE id = $1`, late.ID)
		testkit.WantProblem(t, e.confirm(t, note.ID, late.ID, e.editor.Token), http.StatusConflict, "conflict")
		testkit.WantProblem(t, e.confirm(t, note.ID, late.ID, e.editor.Token), http.StatusNotFound, "not-found")
	})
}

func TestAttachmentsFollowTheirNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
	a := e.attach(t, note.ID, "a.png", "image/png", pngFile)
	e.trash(t, e.project, e.editor.Token, "notes/"+note.ID.String())
	testkit.WantProblem(t, e.c.Get(e.attachmentsPath(note.ID), e.viewer.Token), http.StatusNotFound, "not-found")
	testkit.WantProblem(t, e.c.Get(e.attachmentsPath(note.ID)+"/"+a.ID.String(), e.viewer.Token), http.StatusNotFound, "not-found")
	testkit.WantStatus(t, e.c.Send(http.MethodPost, e.path(e.project, "notes/"+note.ID.String()+"/restore"), e.editor.Token, nil), http.StatusOK)
	if _, file := e.download(t, note.ID, a.ID, e.viewer.Token); file == nil || !bytes.Equal(file.Body, pngFile) {
		t.Fatal("the restored note's attachment")
	}
}

func TestAttachmentListPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
	var want []uuid.UUID
	for i := range 3 {
		want = append(want, e.attach(t, note.ID, fmt.Sprintf("p%d.pdf", i), "application/pdf", pdfFile).ID)
	}
	e.declare(t, note.ID, e.editor.Token, "pending.pdf", "application/pdf", 10)
	var got []uuid.UUID
	cursor := ""
	for range 3 {
		p := e.listAttachments(t, note.ID, e.viewer.Token, "?limit=2"+cursor)
		for _, a := range p.Items {
			got = append(got, a.ID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + p.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
	// A cursor of another note's list is refused.
	other := e.createNote(t, e.editor.Token, map[string]any{"title": "other"})
	p := e.listAttachments(t, note.ID, e.viewer.Token, "?limit=1")
	testkit.WantProblem(t, e.c.Get(e.attachmentsPath(other.ID)+"?cursor="+p.NextCursor, e.viewer.Token), http.StatusBadRequest, "invalid-cursor")
}

func TestPurgeDeletesAttachmentObjects(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// A note purged from the trash.
		note := e.createNote(t, e.editor.Token, map[string]any{"title": "old"})
		a := e.attach(t, note.ID, "a.png", "image/png", pngFile)
		// A project purged from the trash, with a note and an attachment.
		book := e.books.Create(t, e.owner.ID, "Old book")
		e.books.Share(t, book, e.editor.ID, roles.Editor)
		bookNote := e.createNoteIn(t, book, e.editor.Token, map[string]any{"title": "n"})
		up := e.declareIn(t, book, bookNote.ID, "b.pdf", "application/pdf", len(pdfFile))
		if resp := e.upload(t, up, pdfFile); resp.StatusCode != http.StatusOK {
			t.Fatalf("upload: %s", resp.Status)
		}
		testkit.WantStatus(t, e.c.Send(http.MethodPost, e.path(book, "notes/"+bookNote.ID.String()+"/attachments/"+up.ID.String()+"/confirm"), e.editor.Token, nil), http.StatusOK)
		// An upload never confirmed.
		live := e.createNote(t, e.editor.Token, map[string]any{"title": "live"})
		stale := e.declare(t, live.ID, e.editor.Token, "c.png", "image/png", len(pngFile))
		e.upload(t, stale, pngFile)
		// And one that stays.
		kept := e.attach(t, live.ID, "d.png", "image/png", pngFile)

		keys := []string{objectKey(e.project, note.ID, a.ID), objectKey(book, bookNote.ID, up.ID), uploadKey(objectKey(e.project, live.ID, stale.ID))}
		for _, k := range keys {
			if !e.stored(t, k) {
				t.Fatalf("%s is not stored", k)
			}
		}
		e.trash(t, e.project, e.editor.Token, "notes/"+note.ID.String())
		e.exec(t, `UPDATE research_notes SET deleted_at = now() - interval '31 days' WHERE id = $1`, note.ID)
		e.books.TrashAged(t, book, projects.TrashRetention+time.Hour)
		e.exec(t, `UPDATE research_attachments SET created_at = now() - interval '25 hours', upload_expires_at = now() - interval '24 hours' WHERE id = $1`, stale.ID)

		// Nothing is deleted before the rows go.
		if n, err := PurgeUploads(ctx, e.pool, e.blobs); err != nil || n != 2 {
			// the stale upload's row: its object and upload key
			t.Fatalf("PurgeUploads before the trash purges = %d, %v; want 2", n, err)
		}
		if _, err := PurgeTrash(ctx, e.pool, TrashRetention); err != nil {
			t.Fatal(err)
		}
		if _, err := projects.PurgeTrash(ctx, e.pool, projects.TrashRetention); err != nil {
			t.Fatal(err)
		}
		if n, err := PurgeUploads(ctx, e.pool, e.blobs); err != nil || n != 2 {
			t.Fatalf("PurgeUploads = %d, %v; want 2", n, err)
		}
		for _, k := range keys {
			if e.stored(t, k) {
				t.Errorf("%s is still stored after the purge", k)
			}
		}
		if !e.stored(t, objectKey(e.project, live.ID, kept.ID)) {
			t.Fatal("the purge deleted a live attachment")
		}
		var left int
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM research_object_deletions WHERE not_before <= now()`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("due deletions left: %d, %v", left, err)
		}
	})
}

func (e *env) declareIn(t testing.TB, project, note uuid.UUID, filename, ctype string, size int) newAttachmentResponse {
	t.Helper()
	resp := e.c.For(t).Send(http.MethodPost, e.path(project, "notes/"+note.String()+"/attachments"), e.editor.Token,
		map[string]any{"filename": filename, "content_type": ctype, "size": size})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var a newAttachmentResponse
	resp.JSON(t, &a)
	return a
}

// TestAttachmentStoreDown: with S3 unreachable, declaring still works (a
// presign is computed locally); confirming answers 503, safe to retry, and
// leaves the attachment pending.
func TestAttachmentStoreDown(t *testing.T) {
	t.Parallel()
	e := newEnvStore(t, nil, "s3")
	note := e.createNote(t, e.editor.Token, map[string]any{"title": "n"})
	a := e.declare(t, note.ID, e.editor.Token, "a.png", "image/png", len(pngFile))
	e.upload(t, a, pngFile)
	e.s3.Close()
	resp := e.confirm(t, note.ID, a.ID, e.editor.Token)
	testkit.WantProblem(t, resp, http.StatusServiceUnavailable, "unavailable")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	e.declare(t, note.ID, e.editor.Token, "b.png", "image/png", len(pngFile))
	var status string
	if err := e.pool.QueryRow(context.Background(), `SELECT status FROM research_attachments WHERE id = $1`, a.ID).Scan(&status); err != nil || status != "pending" {
		t.Fatalf("status %q, %v", status, err)
	}
}
