package auth

import "net/http"

// handleJWKS handles GET /.well-known/jwks.json: the public keys that
// verify this module's access tokens, for other services (and the Lambda
// authorizer's configuration).
func (m *Module) handleJWKS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age=600")
	_, _ = w.Write(m.jwks)
}
