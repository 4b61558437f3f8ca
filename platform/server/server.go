// Package server builds the one http.Handler every mode serves: the chi
// root, the middleware stack in its fixed order, health endpoints and the
// modules' routes. The same handler feeds net/http, the Lambda adapter and
// httptest.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/cors"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
)

// Check reports whether one backend answers; nil means healthy.
type Check func(ctx context.Context) error

// Options are NewHandler's dependencies.
type Options struct {
	Logger  *slog.Logger
	Version string
	Modules []module.Module
	// Verifier authenticates bearer tokens; nil refuses every token.
	Verifier authn.Verifier
	// Checks are the readiness checks by name ("database", "redis").
	Checks       map[string]Check
	CORSOrigins  []string
	MaxBodyBytes int64
	// BodyPace bounds the wait for request bodies; zero fields take the
	// httpx defaults.
	BodyPace       httpx.BodyPace
	RequestTimeout time.Duration
	HSTS           bool
}

// APIPrefix is where module routes are mounted.
const APIPrefix = "/api/v1"

// NewHandler returns the application's root handler. Middleware order:
// request ID, access log, panic recovery, security headers, CORS, body
// pace, body limit, optional authentication; API routes also get the
// request timeout.
func NewHandler(o Options) http.Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = httpx.DefaultMaxBody
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	r := chi.NewRouter()
	r.NotFound(httpx.NotFoundHandler)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", strings.Join(allowedMethods(r, req.URL.Path), ", "))
		httpx.MethodNotAllowedHandler(w, req)
	})
	r.Use(
		httpx.RequestIDMiddleware,
		httpx.AccessLog(o.Logger),
		httpx.Recover(o.Logger),
		httpx.SecurityHeaders(o.HSTS),
		corsMiddleware(o.CORSOrigins),
	)
	// bodies caps and paces request bodies, then reads the bearer token.
	// PaceBody comes before BodyLimit: a body refused for its declared size
	// is still drained by net/http, and that must not wait forever either.
	bodies := func(r chi.Router, maxBody int64) {
		r.Use(httpx.PaceBody(o.BodyPace, maxBody), httpx.BodyLimit(maxBody), authn.Optional(o.Verifier))
	}

	// Uploads take larger bodies than the server-wide cap, on routes of
	// their own.
	for _, m := range o.Modules {
		if ur, ok := m.(module.UploadRouter); ok {
			r.Group(func(r chi.Router) {
				bodies(r, ur.MaxUploadBytes())
				r.Use(httpx.Timeout(o.RequestTimeout))
				ur.UploadRoutes(r)
			})
		}
	}

	r.Group(func(r chi.Router) {
		bodies(r, o.MaxBodyBytes)
		h := health{checks: o.Checks, version: o.Version}
		r.Get("/healthz", h.live)
		r.Get("/readyz", h.ready)

		for _, m := range o.Modules {
			if rr, ok := m.(module.RootRouter); ok {
				rr.RootRoutes(r)
			}
		}
		r.Route(APIPrefix, func(api chi.Router) {
			api.Use(httpx.Timeout(o.RequestTimeout))
			api.Get("/health", h.detailed)
			for _, m := range o.Modules {
				m.Routes(api)
			}
		})
	})
	return r
}

// corsMiddleware allows exactly the configured origins, with credentials
// (the refresh cookie). With none configured it sends no CORS headers at all,
// so browsers keep the API same-origin; it never falls back to "*".
func corsMiddleware(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return cors.Handler(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{"GET", "POST", "PUT", "PATCH", "DELETE"},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-Id", "X-Requested-With"},
		ExposedHeaders:   []string{"ETag", "Location", "Retry-After", "X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           600,
	})
}

// allowedMethods lists the methods routed for path, for the Allow header
// that a 405 must carry.
func allowedMethods(mux *chi.Mux, path string) []string {
	var allowed []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if mux.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

type health struct {
	checks  map[string]Check
	version string
}

// live handles GET /healthz: the process is up.
func (h health) live(w http.ResponseWriter, r *http.Request) {
	_ = httpx.Encode(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready handles GET /readyz: every backend answers.
func (h health) ready(w http.ResponseWriter, r *http.Request) {
	checks, ok := h.run(r.Context())
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "unavailable", http.StatusServiceUnavailable
	}
	_ = httpx.Encode(w, code, map[string]any{"status": status, "checks": checks})
}

// detailed handles GET /api/v1/health.
func (h health) detailed(w http.ResponseWriter, r *http.Request) {
	checks, ok := h.run(r.Context())
	status, code := "ok", http.StatusOK
	if !ok {
		status, code = "degraded", http.StatusServiceUnavailable
	}
	_ = httpx.Encode(w, code, map[string]any{"status": status, "version": h.version, "checks": checks})
}

// checkTimeout bounds each backend check so a hung dependency makes the
// probe fail rather than hang.
const checkTimeout = 2 * time.Second

func (h health) run(ctx context.Context) (map[string]string, bool) {
	results := make(map[string]string, len(h.checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	ok := true
	for name, check := range h.checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			err := check(cctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				results[name] = "unavailable"
				ok = false
				return
			}
			results[name] = "ok"
		})
	}
	wg.Wait()
	return results, ok
}
