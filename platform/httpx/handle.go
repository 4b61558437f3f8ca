package httpx

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
)

// HandlerFunc is the shape of every module handler: it writes a response on
// success and returns an error otherwise.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts an error-returning handler to net/http. The error becomes a
// problem+json response and is attached to the access-log line.
func Handle(h HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, err)
		}
	}
}

// PathUUID parses the chi URL parameter name as a UUID.
func PathUUID(r *http.Request, name string) (uuid.UUID, error) {
	raw := chi.URLParam(r, name)
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return uuid.Nil, apperr.Field(name, "must be a UUID such as 0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60")
	}
	return id, nil
}

// NoContent answers 204.
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// NotFoundHandler answers unknown routes with a problem.
func NotFoundHandler(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, apperr.New(apperr.NotFound, "no such route"))
}

// MethodNotAllowedHandler answers a known route with the wrong method.
func MethodNotAllowedHandler(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, apperr.Newf(apperr.MethodNotAllowed, "%s is not allowed on this route", r.Method))
}
