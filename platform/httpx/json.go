package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/thebrain/thebrain/platform/apperr"
)

// Validator is implemented by request types that check themselves after
// decoding. It returns an apperr (usually apperr.Validation) or nil.
type Validator interface {
	Validate() error
}

// DefaultMaxBody caps a JSON body when the route sets no other limit.
const DefaultMaxBody = 1 << 20

// DecodeOption adjusts one Decode call.
type DecodeOption func(*decodeOptions)

type decodeOptions struct {
	maxBytes int64
}

// MaxBytes sets the body cap for one route (auth uses 16 KiB, chapter
// content more than the default).
func MaxBytes(n int64) DecodeOption { return func(o *decodeOptions) { o.maxBytes = n } }

// Decode is the only way handlers read a JSON body. It requires a JSON
// content type, caps the body, rejects invalid UTF-8, unknown fields and
// trailing data, and runs Validate when T has it.
func Decode[T any](w http.ResponseWriter, r *http.Request, opts ...DecodeOption) (T, error) {
	var v T
	o := decodeOptions{maxBytes: DefaultMaxBody}
	for _, opt := range opts {
		opt(&o)
	}
	if err := CheckJSONHeaders(r, o.maxBytes); err != nil {
		return v, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, o.maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, tooLarge(o.maxBytes)
		}
		if errors.Is(err, ErrBodyTooSlow) {
			return v, bodyTooSlow(err)
		}
		return v, apperr.Wrap(apperr.Invalid, "the request body could not be read", err)
	}
	if err := Unmarshal(body, &v); err != nil {
		return v, err
	}
	if val, ok := any(&v).(Validator); ok {
		if err := val.Validate(); err != nil {
			return v, err
		}
	}
	return v, nil
}

// Unmarshal decodes exactly one JSON value from body into v with Decode's
// rules (no unknown fields, valid UTF-8, nothing after the value).
func Unmarshal(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return malformed("the request body is empty")
	}
	if !utf8.Valid(body) {
		return malformed("the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return malformed("the request body must hold exactly one JSON value")
	}
	return nil
}

// CheckJSONHeaders is the part of Decode's checks that needs no body: a
// JSON content type and a declared length within maxBytes. Middleware that
// must answer before the body is read (a rate limit) runs it first, so such
// requests are refused as Decode would refuse them.
func CheckJSONHeaders(r *http.Request, maxBytes int64) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	if r.ContentLength > maxBytes {
		return tooLarge(maxBytes)
	}
	return nil
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return apperr.New(apperr.UnsupportedMedia, "Content-Type must be application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return apperr.New(apperr.UnsupportedMedia, "Content-Type must be application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return apperr.New(apperr.UnsupportedMedia, "the only accepted charset is utf-8")
	}
	return nil
}

func tooLarge(limit int64) error {
	return apperr.Newf(apperr.TooLarge, "the request body exceeds %d bytes", limit)
}

func malformed(detail string) error {
	return &apperr.Error{Kind: apperr.Invalid, Slug: "malformed-json", Detail: detail}
}

// decodeError turns encoding/json's errors into client-safe problems.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return malformed(fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("the JSON body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return malformed(fmt.Sprintf("the body must be a JSON %s", jsonKind(typ)))
		}
		return apperr.Field(field, "must be "+jsonKind(typ))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.Field(name, "unknown field")
	}
	return malformed("the body is not valid JSON for this request")
}

func jsonKind(t *json.UnmarshalTypeError) string {
	switch t.Type.Kind().String() {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "of type " + t.Type.String()
}

// Encode writes v as JSON with status. The body is built before the header
// goes out, so an encoding failure still becomes a proper 500.
func Encode(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return ignoreWriteErr(err)
}

// ignoreWriteErr drops errors writing to a client that went away: the
// response is already committed, so nothing useful can be done.
func ignoreWriteErr(error) error { return nil }
