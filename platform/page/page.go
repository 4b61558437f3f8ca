// Package page implements keyset pagination: request parsing (?limit=,
// ?cursor=), opaque cursors that are signed so a client cannot forge or
// tamper with them, and the {"items","next_cursor"} response shape.
//
// A cursor is base64url(JSON of the last row's sort key) + "." +
// base64url(HMAC-SHA256 over the list's scope and that JSON, truncated to
// 128 bits). Binding the scope means a cursor from one list is refused by
// another.
package page

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/thebrain/thebrain/platform/apperr"
)

// Limits of ?limit=.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	maxCursorLen = 1024
	macLen       = 16
)

// Codec signs and verifies cursors with a key derived from the process
// secret.
type Codec struct {
	key []byte
}

// NewCodec derives the cursor key from secret, so the same secret can key
// other features without reusing bytes.
func NewCodec(secret []byte) *Codec {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("thebrain/page-cursor/v1"))
	return &Codec{key: m.Sum(nil)}
}

// Encode returns the cursor for key (usually a small struct of the last
// row's sort columns) in list scope.
func (c *Codec) Encode(scope string, key any) string {
	payload, err := json.Marshal(key)
	if err != nil {
		panic("page: cursor key must be JSON-encodable: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(c.mac(scope, payload))
}

// Decode verifies cursor for scope and unmarshals its key into dst. Every
// failure is the same client error: a cursor is opaque, so there is nothing
// more specific to say.
func (c *Codec) Decode(scope, cursor string, dst any) error {
	payloadB64, macB64, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > maxCursorLen {
		return errBadCursor
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(payloadB64)
	sum, err2 := base64.RawURLEncoding.DecodeString(macB64)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, c.mac(scope, payload)) {
		return errBadCursor
	}
	if err := json.Unmarshal(payload, dst); err != nil {
		return errBadCursor
	}
	return nil
}

func (c *Codec) mac(scope string, payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)[:macLen]
}

var errBadCursor = &apperr.Error{
	Kind: apperr.Invalid, Slug: "invalid-cursor",
	Detail: "the cursor is not valid for this list; start again without one",
	Fields: map[string]string{"cursor": "invalid or tampered"},
}

// Request is a parsed ?limit=&cursor= pair.
type Request struct {
	Limit  int
	Cursor string // raw; empty on the first page
}

// Parse reads ?limit= and ?cursor= from r.
func Parse(r *http.Request) (Request, error) {
	q := r.URL.Query()
	req := Request{Limit: DefaultLimit, Cursor: q.Get("cursor")}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxLimit {
			return req, apperr.Field("limit", "must be an integer from 1 to "+strconv.Itoa(MaxLimit))
		}
		req.Limit = n
	}
	if len(q["cursor"]) > 1 || len(q["limit"]) > 1 {
		return req, apperr.New(apperr.Invalid, "limit and cursor may each be given once")
	}
	return req, nil
}

// Page is the list response shape.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Build turns rows fetched with LIMIT limit+1 into a page: it converts at
// most limit rows and, when a further row exists, sets the cursor from the
// last returned row.
func Build[R, T any](c *Codec, scope string, rows []R, limit int, conv func(R) T, key func(R) any) Page[T] {
	p := Page[T]{Items: make([]T, 0, min(len(rows), limit))}
	for i, row := range rows {
		if i == limit {
			p.NextCursor = c.Encode(scope, key(rows[i-1]))
			break
		}
		p.Items = append(p.Items, conv(row))
	}
	return p
}

// Map converts a page's items, keeping its cursor: services return pages of
// their own values and handlers map them to response types.
func Map[T, U any](p Page[T], conv func(T) U) Page[U] {
	out := Page[U]{Items: make([]U, len(p.Items)), NextCursor: p.NextCursor}
	for i, it := range p.Items {
		out.Items[i] = conv(it)
	}
	return out
}
