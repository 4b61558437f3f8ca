// Package httpx is the HTTP edge shared by every module: the error-returning
// handler adapter, RFC 9457 problem responses, the one JSON decode and encode
// path, path parameters and the middleware stack.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/thebrain/thebrain/platform/apperr"
)

// ProblemBase prefixes every problem type URI; docs/problems.md lists them.
const ProblemBase = "https://api.thebrain.app/problems/"

// DefaultRetryAfter is the Retry-After of a 503 unavailable whose error
// names no wait of its own: every 503 tells clients when to come back, so
// they back off instead of hammering a backend that is down.
const DefaultRetryAfter = time.Second

type kindInfo struct {
	status int
	slug   string
	title  string
}

var kinds = map[apperr.Kind]kindInfo{
	apperr.Internal:           {http.StatusInternalServerError, "internal", "Internal server error"},
	apperr.Invalid:            {http.StatusBadRequest, "invalid-request", "The request is invalid"},
	apperr.NotFound:           {http.StatusNotFound, "not-found", "Resource not found"},
	apperr.Conflict:           {http.StatusConflict, "conflict", "The request conflicts with the current state"},
	apperr.PreconditionFailed: {http.StatusPreconditionFailed, "stale-version", "The resource has changed"},
	apperr.Unauthenticated:    {http.StatusUnauthorized, "unauthenticated", "Authentication required"},
	apperr.Forbidden:          {http.StatusForbidden, "forbidden", "Not allowed"},
	apperr.TooLarge:           {http.StatusRequestEntityTooLarge, "too-large", "Request body too large"},
	apperr.UnsupportedMedia:   {http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported content type"},
	apperr.MethodNotAllowed:   {http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"},
	apperr.RateLimited:        {http.StatusTooManyRequests, "rate-limited", "Too many requests"},
	apperr.Unavailable:        {http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	apperr.Timeout:            {http.StatusGatewayTimeout, "timeout", "The request took too long"},
	apperr.RequestTimeout:     {http.StatusRequestTimeout, "request-timeout", "The request body arrived too slowly"},
	apperr.BadGateway:         {http.StatusBadGateway, "bad-gateway", "An upstream service failed"},
}

// slugTitles gives specific problem types their own fixed title.
var slugTitles = map[string]string{
	"validation":          "Request validation failed",
	"malformed-json":      "Malformed JSON body",
	"invalid-cursor":      "Invalid pagination cursor",
	"invalid-credentials": "Invalid credentials",
	"ai-refused":          "The AI provider declined the request",
	"upload-rejected":     "The uploaded file was refused",
}

// Problem is the RFC 9457 body, with request_id and errors as extensions.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// WriteError renders err as problem+json and records it on the access log
// line. Internal errors show a generic detail; their cause is logged.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p, retry, ok := problemOf(r, err)
	if !ok {
		return // the client went away; nobody reads a body
	}
	if p.Status == http.StatusRequestTimeout {
		// The rest of the body may still come: it must not be read as the
		// next request.
		w.Header().Set("Connection", "close")
	}
	if retry > 0 {
		secs := int(retry.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	writeProblem(w, p)
}

// StreamProblem is WriteError for a response whose status line is already
// sent (an event stream): it records err on the access-log line as
// WriteError does and returns the problem the client would have got, for
// the handler to send its own way. ok is false when the client went away.
func StreamProblem(r *http.Request, err error) (p Problem, ok bool) {
	p, _, ok = problemOf(r, err)
	return p, ok
}

// problemOf maps err to its problem and Retry-After, recording it on the
// access-log line. ok is false for a client that went away (logged as 499).
func problemOf(r *http.Request, err error) (Problem, time.Duration, bool) {
	ctx := r.Context()
	ae := apperr.As(err)
	if ae.Kind == apperr.Internal {
		switch {
		case errors.Is(err, ErrBodyTooSlow): // a body read outside Decode
			ae = bodyTooSlow(err)
		case errors.Is(err, context.DeadlineExceeded):
			ae = apperr.Wrap(apperr.Timeout, "the request did not finish in time", err)
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			// The client went away; nobody reads a body. Log it as 499.
			recordError(ctx, 499, err, "client_closed")
			return Problem{}, 0, false
		}
	}
	info := kinds[ae.Kind]
	p := Problem{
		Type:      ProblemBase + info.slug,
		Title:     info.title,
		Status:    info.status,
		Detail:    ae.Detail,
		Instance:  r.URL.Path,
		RequestID: RequestID(ctx),
		Errors:    ae.Fields,
	}
	if ae.Slug != "" {
		p.Type = ProblemBase + ae.Slug
		if t, ok := slugTitles[ae.Slug]; ok {
			p.Title = t
		}
	}
	if ae.Kind == apperr.Internal {
		p.Detail = "An unexpected error occurred. Quote the request_id when reporting it."
	}
	retry := ae.RetryAfter
	if ae.Kind == apperr.Unavailable && retry <= 0 {
		retry = DefaultRetryAfter
	}
	recordError(ctx, info.status, err, ae.Kind.String())
	return p, retry, true
}

func writeProblem(w http.ResponseWriter, p Problem) {
	body, _ := json.Marshal(p) // only strings, ints and a string map: cannot fail
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

func recordError(ctx context.Context, status int, err error, kind string) {
	if rec := recordFrom(ctx); rec != nil {
		rec.err = err
		rec.errKind = kind
		rec.errStatus = status
	}
}
