// Package apperr is the application's one error type. Services return an
// *Error for every outcome a client can act on; anything else is an internal
// failure whose cause is logged and never shown, unless a registered
// Classifier knows it (a database outage is Unavailable, not Internal). The package imports nothing
// from the project and nothing from net/http: the HTTP layer maps Kinds to
// statuses.
package apperr

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// Kind is the closed set of error categories. Each maps to one HTTP status and
// one problem type (see docs/problems.md).
type Kind uint8

// The kinds, in rough order of how often handlers return them.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	PreconditionFailed
	Unauthenticated
	Forbidden
	TooLarge
	UnsupportedMedia
	MethodNotAllowed
	RateLimited
	Unavailable
	Timeout
	// RequestTimeout: the client sent its request body too slowly (408).
	RequestTimeout
	// BadGateway: a service we depend on answered wrongly or not at all
	// (an AI provider, 502).
	BadGateway
)

var kindNames = [...]string{
	Internal:           "internal",
	Invalid:            "invalid",
	NotFound:           "not_found",
	Conflict:           "conflict",
	PreconditionFailed: "precondition_failed",
	Unauthenticated:    "unauthenticated",
	Forbidden:          "forbidden",
	TooLarge:           "too_large",
	UnsupportedMedia:   "unsupported_media",
	MethodNotAllowed:   "method_not_allowed",
	RateLimited:        "rate_limited",
	Unavailable:        "unavailable",
	Timeout:            "timeout",
	RequestTimeout:     "request_timeout",
	BadGateway:         "bad_gateway",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is an application error. Detail and Fields are safe to show a
// client; Err is the internal cause, for logs only.
type Error struct {
	Kind Kind
	// Slug, when set, names a more specific problem type than the Kind's
	// default (for example "invalid-credentials" under Unauthenticated).
	Slug   string
	Detail string
	// Fields maps a request field (JSON name, dotted for nesting) to what is
	// wrong with it.
	Fields map[string]string
	// RetryAfter is sent as the Retry-After header when positive.
	RetryAfter time.Duration
	Err        error
}

// Error returns the detail and, for logs, the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" (")
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(k + ": " + e.Fields[k])
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// As returns err as an *Error. A foreign error is given to the registered
// classifiers; one none of them knows is reported as Internal with the
// original as its cause, so callers can always render the result.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	for _, c := range classifiers {
		if ae := c(err); ae != nil {
			return ae
		}
	}
	return &Error{Kind: Internal, Err: err}
}

// KindOf reports err's Kind as As sees it (Internal for unknown foreign
// errors, and for nil).
func KindOf(err error) Kind {
	if err == nil {
		return Internal
	}
	return As(err).Kind
}

// Is reports whether err is, or is classified as, an application error of
// kind k.
func Is(err error, k Kind) bool {
	return err != nil && As(err).Kind == k
}

// A Classifier recognises foreign errors that still have a kind, such as a
// backend's "not answering" errors (Unavailable), wherever they surface and
// however they were wrapped. It returns nil for errors it does not know;
// the *Error it returns keeps err as its cause.
type Classifier func(err error) *Error

var classifiers []Classifier

// RegisterClassifier adds c to the classifiers As consults. The package that
// owns a backend's client registers one from its init function (platform/db
// does for PostgreSQL): registering is not safe concurrently with As.
func RegisterClassifier(c Classifier) { classifiers = append(classifiers, c) }

// New returns an error of kind k with a client-safe detail.
func New(k Kind, detail string) *Error { return &Error{Kind: k, Detail: detail} }

// Newf is New with formatting. Never format secrets or user content into it.
func Newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k whose internal cause is err.
func Wrap(k Kind, detail string, err error) *Error {
	return &Error{Kind: k, Detail: detail, Err: err}
}

// ErrStale is the answer to a write against a version that is no longer
// current (optimistic concurrency): 412, nothing changed.
var ErrStale = New(PreconditionFailed, "the resource has changed since you read it; fetch it again and reapply your change")

// Validation returns an Invalid error listing every field problem, or nil
// when there are none, so callers can write `return apperr.Validation(p)`.
func Validation(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	detail := "1 field is invalid"
	if len(fields) > 1 {
		detail = fmt.Sprintf("%d fields are invalid", len(fields))
	}
	return &Error{Kind: Invalid, Slug: "validation", Detail: detail, Fields: maps.Clone(fields)}
}

// Field returns an Invalid error for a single field.
func Field(name, problem string) error {
	return Validation(map[string]string{name: problem})
}
