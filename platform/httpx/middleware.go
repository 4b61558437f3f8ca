package httpx

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/thebrain/thebrain/platform/log"
)

type requestIDKey struct{}

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the request ID of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID stores id as ctx's request ID (and as a log attribute).
func WithRequestID(ctx context.Context, id string) context.Context {
	ctx = context.WithValue(ctx, requestIDKey{}, id)
	return log.With(ctx, slog.String("request_id", id))
}

// RequestIDMiddleware accepts a short, printable X-Request-Id from the caller
// (or from the Lambda event, already in ctx) and otherwise generates one.
// It is echoed in the response header, the problem body and every log line.
func RequestIDMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = RequestID(r.Context())
		}
		if !validRequestID(id) {
			id = NewRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRequestID returns a random 26-character ID.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// accessRecord is filled in along the request so that one log line carries
// everything: WriteError adds the error, authn the user.
type accessRecord struct {
	err       error
	errKind   string
	errStatus int
	extra     []slog.Attr
	path      string // shown instead of the request's (RedactPath)
}

type accessKey struct{}

func recordFrom(ctx context.Context) *accessRecord {
	rec, _ := ctx.Value(accessKey{}).(*accessRecord)
	return rec
}

// RedactPath makes the request's access-log line show path instead of the
// request's own, for paths that carry a credential (the local blob store's
// signed links).
func RedactPath(ctx context.Context, path string) {
	if rec := recordFrom(ctx); rec != nil {
		rec.path = path
	}
}

// AccessLog writes one line per request: method, path, route pattern,
// status, duration, bytes, and the error if there was one. 5xx log at Error,
// auth failures and rate limits at Warn, everything else at Info.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &accessRecord{}
			ctx := context.WithValue(r.Context(), accessKey{}, rec)
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(ctx))

			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			if rec.errStatus == 499 {
				status = 499
			}
			path := r.URL.Path
			if rec.path != "" {
				path = rec.path
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", path),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int("bytes", ww.BytesWritten()),
			}
			if rc := chi.RouteContext(ctx); rc != nil && rc.RoutePattern() != "" {
				attrs = append(attrs, slog.String("route", rc.RoutePattern()))
			}
			if rec.err != nil {
				attrs = append(attrs, slog.String("error", rec.err.Error()), slog.String("error_kind", rec.errKind))
			}
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests:
				level = slog.LevelWarn
			}
			logger.LogAttrs(withRecordAttrs(ctx), level, "request", attrs...)
		})
	}
}

// withRecordAttrs lets the access line see attributes (user_id) added
// deeper in the chain, which SetLogAttr keeps in the shared record.
func withRecordAttrs(ctx context.Context) context.Context {
	if rec := recordFrom(ctx); rec != nil {
		for _, a := range rec.extra {
			ctx = log.With(ctx, a)
		}
	}
	return ctx
}

// Recover turns a panic into a 500 problem and logs the stack. It re-panics
// http.ErrAbortHandler, which net/http uses to abort a response on purpose.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if r.Header.Get("Connection") != "Upgrade" {
					WriteError(w, r, fmt.Errorf("panic: %v", v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// securityHeaders are shared, never-mutated values: assigning them skips the
// per-request allocations of Header.Set. Each slice has cap 1, so a later
// Header.Add copies instead of writing into the shared array.
var securityHeaders = map[string][]string{
	"X-Content-Type-Options":       {"nosniff"},
	"X-Frame-Options":              {"DENY"},
	"Referrer-Policy":              {"no-referrer"},
	"Content-Security-Policy":      {"default-src 'none'; frame-ancestors 'none'"},
	"Cross-Origin-Resource-Policy": {"same-site"},
	"Cache-Control":                {"no-store"},
}

var hstsValue = []string{"max-age=63072000; includeSubDomains"}

// SecurityHeaders sets headers that make an API response inert in a browser
// and uncacheable by default (handlers may set their own Cache-Control).
func SecurityHeaders(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for k, v := range securityHeaders {
				h[k] = v[:1:1]
			}
			if hsts {
				h["Strict-Transport-Security"] = hstsValue[:1:1]
			}
			next.ServeHTTP(w, r)
		})
	}
}

// BodyLimit caps every request body at n bytes; Decode applies its own
// (usually smaller) cap on top. Bodies declared too large are refused before
// any handler runs.
func BodyLimit(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				WriteError(w, r, tooLarge(n))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Timeout gives each request a deadline. Handlers pass ctx to every call, so
// a slow query is cancelled and WriteError answers 504. Long-lived routes
// (streams, websockets) are mounted outside this middleware. A request with
// a body gets the body's PaceBody allowance on top: d is for the work, not
// for a slow upload.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d+bodyAllowance(r.Context()))
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// SetLogAttr adds an attribute to the request's access-log line and to the
// log records of code running under ctx from here on.
func SetLogAttr(ctx context.Context, a slog.Attr) context.Context {
	if rec := recordFrom(ctx); rec != nil {
		rec.extra = append(rec.extra, a)
	}
	return log.With(ctx, a)
}
