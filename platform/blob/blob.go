// Package blob stores files (research attachments) outside the database:
// in S3, or, when no bucket is configured, in a directory of the data dir.
// Clients never send files through the API's JSON routes: they get a
// presigned PUT that names the exact size and content type, upload to it,
// and read through short-lived presigned GETs. Keys are made by the caller
// (never taken from a client) and checked by ValidKey.
package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Store is where files live. Both implementations (S3, Local) hand out
// URLs that work without the API's bearer token and stop working at
// ExpiresAt.
type Store interface {
	// PresignPut returns the request that uploads exactly p.Size bytes of
	// p.ContentType to key; any other length or type is refused.
	PresignPut(ctx context.Context, key string, p PutParams) (Request, error)
	// PresignGet returns a request that reads key until p.TTL has passed.
	PresignGet(ctx context.Context, key string, p GetParams) (Request, error)
	// Head describes the stored object, with the type its first bytes show;
	// ErrNotFound when there is none.
	Head(ctx context.Context, key string) (Info, error)
	// Copy copies the object at src to dst (replacing dst); ErrNotFound
	// when src holds nothing. A later write to src leaves dst as it is.
	Copy(ctx context.Context, src, dst string) error
	// Delete removes key; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key starts with prefix, which
	// must end with "/". It returns how many it removed.
	DeletePrefix(ctx context.Context, prefix string) (int, error)
}

// PutParams are what a presigned upload allows.
type PutParams struct {
	ContentType string
	Size        int64
	TTL         time.Duration
}

// GetParams shape a presigned read. Filename, when set, is offered to the
// browser (Content-Disposition: inline).
type GetParams struct {
	TTL      time.Duration
	Filename string
}

// Request is a presigned HTTP request: the client sends Method to URL with
// Header (and, for an upload, exactly the declared bytes) before ExpiresAt.
// A local store's URL is a path on the API's own origin.
type Request struct {
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Header    map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// Info describes a stored object.
type Info struct {
	Size int64
	// ContentType is what the upload declared (and the store enforced).
	ContentType string
	// Sniffed is the type the object's first bytes show (Sniff), "" when
	// they match none of the known types.
	Sniffed string
}

// ErrNotFound is Head's answer for a key that holds nothing.
var ErrNotFound = errors.New("blob: no such object")

// The types Sniff recognises.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	WebP = "image/webp"
	PDF  = "application/pdf"
)

// SniffLen is how many leading bytes Head reads for Sniff.
const SniffLen = 512

// Sniff returns the type that b, the first bytes of a file, shows by its
// magic number: PNG, JPEG, WebP or PDF; "" for anything else. Unlike
// http.DetectContentType it never guesses from text.
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return JPEG
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return WebP
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return PDF
	}
	return ""
}

// MaxKeyLen bounds a key in bytes.
const MaxKeyLen = 512

// ValidKey accepts keys made of "/"-separated segments of ASCII letters,
// digits, '.', '_' and '-', each starting with a letter or digit: nothing
// that could climb out of a directory or need escaping in a URL.
func ValidKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("blob: key must be 1 to %d bytes", MaxKeyLen)
	}
	for _, seg := range strings.Split(key, "/") {
		if !validSegment(seg) {
			return fmt.Errorf("blob: invalid key %q", key)
		}
	}
	return nil
}

// validPrefix accepts a ValidKey followed by "/".
func validPrefix(prefix string) error {
	p, ok := strings.CutSuffix(prefix, "/")
	if !ok {
		return fmt.Errorf("blob: prefix %q must end with /", prefix)
	}
	return ValidKey(p)
}

func validSegment(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

func checkPut(key string, p PutParams) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if p.Size < 0 || p.ContentType == "" || p.TTL <= 0 {
		return fmt.Errorf("blob: an upload needs a size, a content type and a lifetime")
	}
	return nil
}
