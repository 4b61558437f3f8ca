// Package blobtest gives tests the two blob stores on real HTTP: a Local
// store in a temporary directory, and an S3 store on an in-process S3
// (gofakes3) driven by the real aws-sdk-go-v2 client. gofakes3 checks no
// signatures; the server here adds the one check of a presigned URL that
// tests rely on, its expiry (X-Amz-Date + X-Amz-Expires), answered as S3
// does (403 AccessDenied).
package blobtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/thebrain/thebrain/platform/blob"
)

// Clock is a test clock that only moves when told.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now is the real time plus every Advance so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// MaxSize is the upload limit of the Local stores made here.
const MaxSize = 32 << 20

// Local returns a local store under t.TempDir() serving its URLs at path
// (mount it on the server under test), and its clock.
func Local(t testing.TB, path string) (*blob.Local, *Clock) {
	t.Helper()
	c := &Clock{}
	l, err := blob.NewLocal(blob.LocalOptions{
		Dir: t.TempDir(), Path: path, Secret: []byte("blobtest-secret-blobtest-secret"), MaxSize: MaxSize, Now: c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, c
}

// S3 is an in-process S3 server with one bucket.
type S3 struct {
	// Store is the blob store on it, built by blob.NewS3 as production does.
	Store *blob.S3
	// URL is the server's endpoint.
	URL string
	// Clock is what the server checks presigned URLs' expiry against.
	Clock *Clock
	srv   *httptest.Server
}

// Close stops the server (it is stopped at the end of the test anyway):
// the store's calls fail from then on.
func (s *S3) Close() { s.srv.Close() }

// Bucket is the fake's bucket.
const Bucket = "thebrain-test"

// NewS3 starts the server for the duration of the test.
func NewS3(t testing.TB) *S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(backend, gofakes3.WithTimeSkewLimit(0))
	c := &Clock{}
	srv := httptest.NewServer(checkExpiry(c, faker.Server()))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:  srv.Client(),
	}
	store, err := blob.NewS3(cfg, blob.S3Options{Bucket: Bucket, Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return &S3{Store: store, URL: srv.URL, Clock: c, srv: srv}
}

// checkExpiry refuses a presigned request whose lifetime has passed.
func checkExpiry(c *Clock, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if date, exp := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"); date != "" {
			signed, err1 := time.Parse("20060102T150405Z", date)
			secs, err2 := strconv.Atoi(exp)
			if err1 != nil || err2 != nil || !c.Now().Before(signed.Add(time.Duration(secs)*time.Second)) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Put stores body under key directly (not through a presigned URL), for
// tests that need an object in place. Its link lasts an hour, so it works
// after a test moved a clock.
func Put(t testing.TB, s blob.Store, client *http.Client, base, key, contentType string, body []byte) {
	t.Helper()
	req, err := s.PresignPut(context.Background(), key, blob.PutParams{ContentType: contentType, Size: int64(len(body)), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if resp := Send(t, client, base, req, body); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s", key, resp.Status)
	}
}

// Response is a fully read response.
type Response struct {
	*http.Response
	Body []byte
}

// Send makes the presigned request req with body (nil for none), as a
// client would: a relative URL (a Local store's) is resolved against base,
// every header given is sent. Redirects are not followed.
func Send(t testing.TB, client *http.Client, base string, req blob.Request, body []byte) *Response {
	t.Helper()
	u := req.URL
	if strings.HasPrefix(u, "/") {
		u = base + u
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequest(req.Method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.Header {
		if k == "Content-Length" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("Content-Length %q", v)
			}
			hr.ContentLength = n
			continue
		}
		hr.Header.Set(k, v)
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Response: resp, Body: b}
}
