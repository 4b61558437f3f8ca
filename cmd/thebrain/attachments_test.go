package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/blob/blobtest"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestServeKeepsAttachmentsInS3: `thebrain serve` configured with
// THEBRAIN_S3_BUCKET, _REGION and _ENDPOINT (an in-process S3, reached by
// the real SDK with credentials from the usual AWS_* settings) hands out
// presigned S3 URLs: the file goes to the bucket, never through the API,
// and is read back through the redirect.
func TestServeKeepsAttachmentsInS3(t *testing.T) {
	t.Parallel()
	s3 := blobtest.NewS3(t)
	_, addr := startServeChild(t, 0, map[string]string{
		"THEBRAIN_S3_BUCKET": blobtest.Bucket, "THEBRAIN_S3_REGION": "eu-west-1", "THEBRAIN_S3_ENDPOINT": s3.URL,
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
	})
	c := &testkit.Client{URL: "http://" + addr, HTTP: &http.Client{}}
	c = c.For(t)
	tok := signup(t, c, "curator@files.example", "a very long book indeed, 1869", "Cleo")
	var book, note struct{ ID string }
	r := c.Send("POST", "/api/v1/projects", tok.AccessToken, map[string]string{"title": "Sources"})
	testkit.WantStatus(t, r, http.StatusCreated)
	r.JSON(t, &book)
	r = c.Send("POST", "/api/v1/projects/"+book.ID+"/notes", tok.AccessToken, map[string]string{"title": "Maps"})
	testkit.WantStatus(t, r, http.StatusCreated)
	r.JSON(t, &note)
	path := "/api/v1/projects/" + book.ID + "/notes/" + note.ID + "/attachments"

	file := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{0x33}, 4000)...)
	r = c.Send("POST", path, tok.AccessToken, map[string]any{"filename": "map.jpg", "content_type": "image/jpeg", "size": len(file)})
	testkit.WantStatus(t, r, http.StatusCreated)
	var a struct {
		ID     string
		Upload blob.Request
	}
	r.JSON(t, &a)
	if !strings.HasPrefix(a.Upload.URL, s3.URL+"/"+blobtest.Bucket+"/projects/"+book.ID+"/notes/"+note.ID+"/") ||
		!strings.Contains(a.Upload.URL, "X-Amz-Signature=") || !strings.Contains(a.Upload.URL, "eu-west-1") {
		t.Fatalf("upload URL %s", a.Upload.URL)
	}
	if resp := blobtest.Send(t, http.DefaultClient, "", a.Upload, file); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload to S3: %s %s", resp.Status, resp.Body)
	}
	testkit.WantStatus(t, c.Send("POST", path+"/"+a.ID+"/confirm", tok.AccessToken, nil), http.StatusOK)
	info, err := s3.Store.Head(context.Background(), "projects/"+book.ID+"/notes/"+note.ID+"/"+a.ID)
	if err != nil || info.Size != int64(len(file)) || info.Sniffed != blob.JPEG {
		t.Fatalf("the bucket holds %+v, %v", info, err)
	}
	r = c.Get(path+"/"+a.ID, tok.AccessToken) // follows the redirect to S3
	testkit.WantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, file) {
		t.Fatalf("read back %d bytes", len(r.Body))
	}
}
