package collab

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

var (
	errNotWebSocket = apperr.New(apperr.Invalid, "this is a WebSocket endpoint (the y-websocket protocol): open it with a WebSocket client")
	errBadOrigin    = apperr.New(apperr.Forbidden, "this origin may not open collaboration sockets")
)

// handleSocket handles GET /collab/{chapter_id}?token=…: it accepts the
// upgrade and hands the socket to the hub, which refuses with a close code
// when it must (y-websocket retries an HTTP error forever). Only a request
// that is not a WebSocket handshake, or comes from a browser origin that is
// not allowed, gets an HTTP problem.
func (m *Module) handleSocket(w http.ResponseWriter, r *http.Request) {
	if !headerHas(r.Header, "Connection", "upgrade") || !headerHas(r.Header, "Upgrade", "websocket") {
		httpx.WriteError(w, r, errNotWebSocket)
		return
	}
	if !m.originAllowed(r) {
		httpx.WriteError(w, r, errBadOrigin)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: m.origins})
	if err != nil {
		return // a malformed handshake; the library answered it
	}
	// The library's default read limit (32 KiB) would close a client's
	// first sync of a long chapter with 1009, which y-websocket retries
	// forever; the hub enforces its own limit with a code that stops it.
	ws.SetReadLimit(-1)
	chapterID, _ := uuid.Parse(chi.URLParam(r, "chapter_id")) // uuid.Nil: refused as not found
	m.hub.serve(r.Context(), ws, chapterID, r.URL.Query().Get("token"))
}

// originAllowed admits requests without an Origin (not a browser), from the
// server's own host, or from a configured origin (THEBRAIN_CORS_ORIGINS):
// a page elsewhere must not open sockets with a user's ticket.
func (m *Module) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	want := strings.ToLower(u.Scheme + "://" + u.Host)
	for _, o := range m.origins {
		if o == want {
			return true
		}
	}
	return false
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originPatterns turns exact origins ("https://app.example.com") into the
// library's patterns, matched against scheme and host.
func originPatterns(origins []string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" {
			continue
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out
}
