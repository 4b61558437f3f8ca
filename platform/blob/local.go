package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

// Local keeps objects in a directory (objects under data/, their declared
// content type under meta/) and serves its presigned URLs itself: PUT and
// GET on Path/{token}, where the token is an HMAC-signed, expiring grant
// for one key (and, for an upload, one size and content type). It is the
// store of a server with no bucket configured; its routes are mounted by
// the server as an upload router (module.UploadRouter).
type Local struct {
	dir     string
	path    string
	key     []byte
	maxSize int64
	now     func() time.Time
}

// LocalOptions configure a Local store.
type LocalOptions struct {
	// Dir holds the objects; it is created with the first one.
	Dir string
	// Path is the URL path the routes are served under (for example
	// /api/v1/blobs); presigned URLs are Path/{token}.
	Path string
	// Secret signs the URLs (a key of its own is derived from it).
	Secret []byte
	// MaxSize is the largest upload the routes read; a presigned PUT never
	// allows more.
	MaxSize int64
	// Now is the clock (tests move it); nil is time.Now.
	Now func() time.Time
}

// NewLocal returns the store. It touches the directory only when a file
// comes (a process that never stores one, such as a Lambda sandbox, needs
// no writable disk).
func NewLocal(o LocalOptions) (*Local, error) {
	if len(o.Secret) < 16 {
		return nil, errors.New("blob: a local store needs a secret of at least 16 bytes")
	}
	if o.MaxSize <= 0 || o.Path == "" || !strings.HasPrefix(o.Path, "/") {
		return nil, errors.New("blob: a local store needs an absolute URL path and a size limit")
	}
	mac := hmac.New(sha256.New, o.Secret)
	mac.Write([]byte("thebrain blob urls v1"))
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Local{dir: o.Dir, path: strings.TrimSuffix(o.Path, "/"), key: mac.Sum(nil), maxSize: o.MaxSize, now: now}, nil
}

// grant is what a URL token allows.
type grant struct {
	Method      string `json:"m"`
	Key         string `json:"k"`
	Expires     int64  `json:"e"`
	Size        int64  `json:"s,omitempty"`
	ContentType string `json:"t,omitempty"`
	Filename    string `json:"f,omitempty"`
}

func (l *Local) sign(g grant) string {
	raw, _ := json.Marshal(g) // strings and ints: cannot fail
	body := base64.RawURLEncoding.EncodeToString(raw)
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

var (
	errBadLink     = apperr.New(apperr.Forbidden, "this link is not valid")
	errExpiredLink = apperr.New(apperr.Forbidden, "this link has expired; ask for a new one")
)

// verify returns the grant of a token for method, or a 403 problem.
func (l *Local) verify(token, method string) (grant, error) {
	body, sig, ok := strings.Cut(token, ".")
	want, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil {
		return grant{}, errBadLink
	}
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte(body))
	if !hmac.Equal(mac.Sum(nil), want) {
		return grant{}, errBadLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	var g grant
	if err != nil || json.Unmarshal(raw, &g) != nil || g.Method != method || ValidKey(g.Key) != nil {
		return grant{}, errBadLink
	}
	if l.now().Unix() >= g.Expires {
		return grant{}, errExpiredLink
	}
	return g, nil
}

// PresignPut implements Store.
func (l *Local) PresignPut(_ context.Context, key string, p PutParams) (Request, error) {
	if err := checkPut(key, p); err != nil {
		return Request{}, err
	}
	if p.Size > l.maxSize {
		return Request{}, fmt.Errorf("blob: %d bytes is over the store's limit of %d", p.Size, l.maxSize)
	}
	exp := l.now().Add(p.TTL).Truncate(time.Second)
	tok := l.sign(grant{Method: http.MethodPut, Key: key, Expires: exp.Unix(), Size: p.Size, ContentType: p.ContentType})
	return Request{
		URL: l.path + "/" + tok, Method: http.MethodPut, ExpiresAt: exp.UTC(),
		Header: map[string]string{"Content-Type": p.ContentType, "Content-Length": strconv.FormatInt(p.Size, 10)},
	}, nil
}

// PresignGet implements Store.
func (l *Local) PresignGet(_ context.Context, key string, p GetParams) (Request, error) {
	if err := ValidKey(key); err != nil {
		return Request{}, err
	}
	exp := l.now().Add(p.TTL).Truncate(time.Second)
	tok := l.sign(grant{Method: http.MethodGet, Key: key, Expires: exp.Unix(), Filename: p.Filename})
	return Request{URL: l.path + "/" + tok, Method: http.MethodGet, Header: map[string]string{}, ExpiresAt: exp.UTC()}, nil
}

func (l *Local) dataPath(key string) string {
	return filepath.Join(l.dir, "data", filepath.FromSlash(key))
}
func (l *Local) metaPath(key string) string {
	return filepath.Join(l.dir, "meta", filepath.FromSlash(key))
}

// Head implements Store.
func (l *Local) Head(_ context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	f, err := os.Open(l.dataPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return Info{}, ErrNotFound
	}
	ct, err := os.ReadFile(l.metaPath(key))
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	return Info{Size: st.Size(), ContentType: string(ct), Sniffed: Sniff(head[:n])}, nil
}

// Copy implements Store with a hard link: an upload replaces its file by
// renaming a new one over it, which leaves the link's file untouched.
func (l *Local) Copy(_ context.Context, src, dst string) error {
	if err := errors.Join(ValidKey(src), ValidKey(dst)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.dataPath(dst)), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(l.metaPath(dst)), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	ct, err := os.ReadFile(l.metaPath(src))
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.Remove(l.dataPath(dst)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.Link(l.dataPath(src), l.dataPath(dst)); errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.WriteFile(l.metaPath(dst), ct, 0o600); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Delete implements Store.
func (l *Local) Delete(_ context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	for _, p := range []string{l.dataPath(key), l.metaPath(key)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: %w", err)
		}
	}
	return nil
}

// DeletePrefix implements Store. Keys are paths, so a prefix ending in "/"
// is a directory.
func (l *Local) DeletePrefix(_ context.Context, prefix string) (int, error) {
	if err := validPrefix(prefix); err != nil {
		return 0, err
	}
	dir := l.dataPath(strings.TrimSuffix(prefix, "/"))
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	for _, p := range []string{dir, l.metaPath(strings.TrimSuffix(prefix, "/"))} {
		if err := os.RemoveAll(p); err != nil {
			return 0, fmt.Errorf("blob: %w", err)
		}
	}
	return n, nil
}

// Name implements module.Module: the local store's URLs are served beside
// the modules.
func (l *Local) Name() string { return "blobs" }

// Routes implements module.Module; the routes are upload routes.
func (l *Local) Routes(chi.Router) {}

// MaxUploadBytes implements module.UploadRouter.
func (l *Local) MaxUploadBytes() int64 { return l.maxSize }

// UploadRoutes implements module.UploadRouter: the presigned URLs.
func (l *Local) UploadRoutes(r chi.Router) {
	r.Put(l.path+"/{token}", httpx.Handle(l.handlePut))
	r.Get(l.path+"/{token}", httpx.Handle(l.handleGet))
}

// handlePut handles PUT {Path}/{token}: exactly the granted bytes of the
// granted type, stored whole or not at all.
func (l *Local) handlePut(w http.ResponseWriter, r *http.Request) error {
	httpx.RedactPath(r.Context(), l.path+"/…") // the token is a credential
	g, err := l.verify(chi.URLParam(r, "token"), http.MethodPut)
	if err != nil {
		return err
	}
	if r.Header.Get("Content-Type") != g.ContentType {
		return apperr.Newf(apperr.Forbidden, "this link uploads %s only (Content-Type)", g.ContentType)
	}
	if r.ContentLength != g.Size {
		return apperr.Newf(apperr.Forbidden, "this link uploads exactly %d bytes (Content-Length)", g.Size)
	}
	if err := os.MkdirAll(filepath.Join(l.dir, "tmp"), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(l.dir, "tmp"), "put-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	// Content-Length is a promise net/http holds the body to; the limit
	// is a second guard that never lets more than the grant reach the disk.
	n, err := io.Copy(tmp, io.LimitReader(r.Body, g.Size+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(apperr.TooLarge, "the upload is larger than allowed")
		}
		if errors.Is(err, httpx.ErrBodyTooSlow) {
			return apperr.Wrap(apperr.RequestTimeout, "the upload arrived too slowly; send it again on a faster connection", err)
		}
		return apperr.Wrap(apperr.Invalid, "the upload was cut short", err)
	}
	if n != g.Size {
		return apperr.Newf(apperr.Invalid, "this link uploads exactly %d bytes", g.Size)
	}
	if err := os.MkdirAll(filepath.Dir(l.dataPath(g.Key)), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(l.metaPath(g.Key)), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.WriteFile(l.metaPath(g.Key), []byte(g.ContentType), 0o600); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), l.dataPath(g.Key)); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleGet handles GET {Path}/{token}: the object, with its declared type,
// offered inline under its filename. Ranges work (http.ServeContent).
func (l *Local) handleGet(w http.ResponseWriter, r *http.Request) error {
	httpx.RedactPath(r.Context(), l.path+"/…")
	g, err := l.verify(chi.URLParam(r, "token"), http.MethodGet)
	if err != nil {
		return err
	}
	f, err := os.Open(l.dataPath(g.Key))
	if errors.Is(err, fs.ErrNotExist) {
		return apperr.New(apperr.NotFound, "the file is gone")
	}
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	ct, err := os.ReadFile(l.metaPath(g.Key))
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	w.Header().Set("Content-Type", string(ct))
	w.Header().Set("Cache-Control", "private, max-age=60")
	if g.Filename != "" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": g.Filename}))
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}
