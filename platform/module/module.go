// Package module is the contract between the composition root and the
// packages under modules/. A module never imports another module; what it
// needs from one is a small interface it declares itself, wired in
// cmd/thebrain.
package module

import "github.com/go-chi/chi/v5"

// Module is implemented by every package under modules/.
type Module interface {
	// Name is stable; it is used in logs and job names.
	Name() string
	// Routes registers endpoints on r, which is mounted at /api/v1 and
	// already has request ID, access log, recovery, security headers, body
	// limit, timeout and optional authentication applied.
	Routes(r chi.Router)
}

// RootRouter is implemented by modules that also serve paths outside
// /api/v1 (for example /.well-known/jwks.json or /collab/{document}), or
// routes under it that must bound their own time (the AI operations, whose
// streams outlive the generic request timeout: they register their full
// path, /api/v1/ai/…). These routes get the same middleware except the
// request timeout.
type RootRouter interface {
	RootRoutes(r chi.Router)
}

// UploadRouter is implemented by what takes request bodies larger than the
// server-wide cap (THEBRAIN_MAX_BODY_BYTES): file uploads (the local blob
// store's presigned URLs). Its routes are registered with full paths and
// get the same middleware as every route, except that the body cap and the
// body's pace are measured against MaxUploadBytes.
type UploadRouter interface {
	UploadRoutes(r chi.Router)
	MaxUploadBytes() int64
}
