package blob_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/blob/blobtest"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

// A PNG signature and a little more: enough for Sniff.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 100)...)

func TestSniff(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"\x89PNG\r\n\x1a\nrest":        blob.PNG,
		"\xff\xd8\xff\xe0JFIF":         blob.JPEG,
		"RIFF\x10\x00\x00\x00WEBPVP8 ": blob.WebP,
		"%PDF-1.7\n":                   blob.PDF,
		"RIFF\x10\x00\x00\x00WAVE":     "",
		"<svg xmlns=":                  "",
		"hello, I am text":             "",
		"":                             "",
		"\x89PN":                       "",
	} {
		if got := blob.Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "projects/0190a5b4-7a2e/notes/x/y.png", "A_b-c.d"} {
		if err := blob.ValidKey(ok); err != nil {
			t.Errorf("ValidKey(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/a", "a/", "a//b", "../a", "a/../b", "a/./b", ".hidden", "a b", "a\\b", "é", "a?b", "a%2fb", strings.Repeat("a", 513)} {
		if err := blob.ValidKey(bad); err == nil {
			t.Errorf("ValidKey(%q) = nil, want an error", bad)
		}
	}
}

// store is one implementation under test: its Store, how its presigned
// URLs are reached, and its clock.
type store struct {
	s      blob.Store
	base   string
	client *http.Client
	clock  *blobtest.Clock
}

func stores(t *testing.T) map[string]func(t *testing.T) store {
	return map[string]func(t *testing.T) store{
		"local": func(t *testing.T) store {
			l, clock := blobtest.Local(t, "/api/v1/blobs")
			h := server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{l}, MaxBodyBytes: 1 << 20})
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			return store{s: l, base: srv.URL, client: srv.Client(), clock: clock}
		},
		"s3": func(t *testing.T) store {
			f := blobtest.NewS3(t)
			return store{s: f.Store, client: http.DefaultClient, clock: f.Clock}
		},
	}
}

func TestStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			key := "projects/p1/notes/n1/a1"

			if _, err := st.s.Head(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Head before upload = %v, want ErrNotFound", err)
			}
			// Larger than the server-wide body cap of the local server (1 MiB):
			// uploads have their own.
			big := append(append([]byte{}, pngBytes...), bytes.Repeat([]byte{1}, 2<<20)...)
			put, err := st.s.PresignPut(ctx, key, blob.PutParams{ContentType: blob.PNG, Size: int64(len(big)), TTL: 10 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if put.Method != http.MethodPut || put.Header["Content-Type"] != blob.PNG || time.Until(put.ExpiresAt) > 10*time.Minute+time.Second {
				t.Fatalf("presigned put = %+v", put)
			}
			if resp := blobtest.Send(t, st.client, st.base, put, big); resp.StatusCode != http.StatusOK {
				t.Fatalf("PUT: %s %s", resp.Status, resp.Body)
			}
			info, err := st.s.Head(ctx, key)
			if err != nil || info != (blob.Info{Size: int64(len(big)), ContentType: blob.PNG, Sniffed: blob.PNG}) {
				t.Fatalf("Head = %+v, %v", info, err)
			}

			get, err := st.s.PresignGet(ctx, key, blob.GetParams{TTL: time.Minute, Filename: "Plan du château.png"})
			if err != nil {
				t.Fatal(err)
			}
			resp := blobtest.Send(t, st.client, st.base, get, nil)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(resp.Body, big) {
				t.Fatalf("GET: %s, %d bytes", resp.Status, len(resp.Body))
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || !strings.Contains(cd, "ch%C3%A2teau") {
				t.Errorf("Content-Disposition = %q", cd)
			}

			// A text file where a PNG was promised: the store keeps what it
			// was sent, Head tells.
			text := []byte("just some text, not an image")
			blobtest.Put(t, st.s, st.client, st.base, "projects/p1/notes/n1/a2", blob.PNG, text)
			if info, err := st.s.Head(ctx, "projects/p1/notes/n1/a2"); err != nil || info.Sniffed != "" || info.Size != int64(len(text)) {
				t.Fatalf("Head(text) = %+v, %v", info, err)
			}

			// A copy stays as it was when the source is written again.
			if err := st.s.Copy(ctx, "projects/p1/notes/n1/a2", "projects/p1/notes/n1/a2c"); err != nil {
				t.Fatal(err)
			}
			blobtest.Put(t, st.s, st.client, st.base, "projects/p1/notes/n1/a2", blob.PNG, pngBytes)
			if info, err := st.s.Head(ctx, "projects/p1/notes/n1/a2c"); err != nil || info != (blob.Info{Size: int64(len(text)), ContentType: blob.PNG}) {
				t.Fatalf("Head(copy) = %+v, %v", info, err)
			}
			if err := st.s.Copy(ctx, "projects/p1/notes/n1/none", "projects/p1/notes/n1/x"); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Copy of nothing = %v, want ErrNotFound", err)
			}

			// Expired links.
			st.clock.Advance(11 * time.Minute)
			if resp := blobtest.Send(t, st.client, st.base, put, big); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("PUT after expiry: %s", resp.Status)
			}
			if resp := blobtest.Send(t, st.client, st.base, get, nil); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("GET after expiry: %s", resp.Status)
			}

			blobtest.Put(t, st.s, st.client, st.base, "projects/p1/notes/n2/a3", blob.PDF, []byte("%PDF-1.4"))
			blobtest.Put(t, st.s, st.client, st.base, "projects/p2/notes/n1/a4", blob.PDF, []byte("%PDF-1.4"))
			if err := st.s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := st.s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete of a missing object = %v", err)
			}
			if _, err := st.s.Head(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Head after Delete = %v", err)
			}
			if _, err := st.s.DeletePrefix(ctx, "projects/p1"); err == nil {
				t.Fatal("DeletePrefix without a trailing / must refuse")
			}
			if n, err := st.s.DeletePrefix(ctx, "projects/p1/"); err != nil || n != 3 {
				t.Fatalf("DeletePrefix = %d, %v; want 3", n, err)
			}
			if n, err := st.s.DeletePrefix(ctx, "projects/p1/"); err != nil || n != 0 {
				t.Fatalf("DeletePrefix again = %d, %v; want 0", n, err)
			}
			if _, err := st.s.Head(ctx, "projects/p2/notes/n1/a4"); err != nil {
				t.Fatalf("another project's object: %v", err)
			}
			for _, bad := range []string{"../x", "a//b"} {
				if _, err := st.s.PresignPut(ctx, bad, blob.PutParams{ContentType: blob.PNG, Size: 1, TTL: time.Minute}); err == nil {
					t.Errorf("PresignPut(%q) accepted", bad)
				}
			}
		})
	}
}

// TestS3PresignedPutSignsSizeAndType: S3 refuses an upload whose
// Content-Length or Content-Type differ from the signed ones; gofakes3
// checks no signatures, so this test checks what is signed.
func TestS3PresignedPutSignsSizeAndType(t *testing.T) {
	t.Parallel()
	f := blobtest.NewS3(t)
	put, err := f.Store.PresignPut(context.Background(), "k/a", blob.PutParams{ContentType: blob.JPEG, Size: 1234, TTL: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(put.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got := q.Get("X-Amz-SignedHeaders"); got != "content-length;content-type;host" {
		t.Errorf("X-Amz-SignedHeaders = %q", got)
	}
	if q.Get("X-Amz-Expires") != "900" || u.Path != "/"+blobtest.Bucket+"/k/a" {
		t.Errorf("URL = %s", put.URL)
	}
	if put.Header["Content-Length"] != "1234" || put.Header["Content-Type"] != blob.JPEG || put.Header["Host"] != "" {
		t.Errorf("headers = %v", put.Header)
	}
	for k := range q {
		if strings.Contains(strings.ToLower(k), "checksum") {
			t.Errorf("a presigned PUT must not require a checksum a browser cannot send: %s", k)
		}
	}
}

// TestLocalRefusesWhatTheLinkDoesNotAllow: the local store's PUT enforces
// the grant itself.
func TestLocalRefusesWhatTheLinkDoesNotAllow(t *testing.T) {
	t.Parallel()
	l, _ := blobtest.Local(t, "/api/v1/blobs")
	logs := &testkit.SyncBuffer{}
	h := server.NewHandler(server.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Modules: []module.Module{l}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	body := []byte("%PDF-1.4 twenty bytes")
	put, err := l.PresignPut(ctx, "a/b", blob.PutParams{ContentType: blob.PDF, Size: int64(len(body)), TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	with := func(mod func(*blob.Request)) blob.Request {
		r := put
		r.Header = map[string]string{"Content-Type": put.Header["Content-Type"], "Content-Length": put.Header["Content-Length"]}
		mod(&r)
		return r
	}
	for name, tc := range map[string]struct {
		req  blob.Request
		body []byte
		want int
	}{
		"other type":     {with(func(r *blob.Request) { r.Header["Content-Type"] = "text/html" }), body, http.StatusForbidden},
		"longer":         {with(func(r *blob.Request) { r.Header["Content-Length"] = "22" }), append(body, 'x'), http.StatusForbidden},
		"shorter":        {with(func(r *blob.Request) { r.Header["Content-Length"] = "5" }), body[:5], http.StatusForbidden},
		"tampered token": {with(func(r *blob.Request) { r.URL = strings.Replace(r.URL, ".", "x.", 1) }), body, http.StatusForbidden},
		"garbage token":  {with(func(r *blob.Request) { r.URL = "/api/v1/blobs/nonsense" }), body, http.StatusForbidden},
		"as a GET":       {with(func(r *blob.Request) { r.Method = http.MethodGet; r.Header = nil }), nil, http.StatusForbidden},
	} {
		resp := blobtest.Send(t, srv.Client(), srv.URL, tc.req, tc.body)
		if resp.StatusCode != tc.want || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %s %s", name, resp.Status, resp.Body)
		}
	}
	if _, err := l.Head(ctx, "a/b"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a refused upload left an object: %v", err)
	}
	if _, err := l.PresignPut(ctx, "a/c", blob.PutParams{ContentType: blob.PDF, Size: blobtest.MaxSize + 1, TTL: time.Minute}); err == nil {
		t.Fatal("a presigned PUT over the store's limit")
	}
	if resp := blobtest.Send(t, srv.Client(), srv.URL, put, body); resp.StatusCode != http.StatusOK {
		t.Fatalf("the right upload: %s %s", resp.Status, resp.Body)
	}
	// The links are credentials: the access log never shows them.
	token := strings.TrimPrefix(put.URL, "/api/v1/blobs/")
	if out := logs.String(); strings.Contains(out, token[:20]) || !strings.Contains(out, "path=/api/v1/blobs/…") {
		t.Fatalf("access log:\n%s", out)
	}
}
