package auth

import (
	"mime"
	"net/http"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleRefresh handles POST /api/v1/auth/refresh. Native apps send the
// token in the body; browsers rely on the cookie and pass the CSRF checks.
func (m *Module) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	var raw string
	fromCookie := false
	if r.ContentLength != 0 {
		req, err := httpx.Decode[refreshRequest](w, r, httpx.MaxBytes(maxBody))
		if err != nil {
			return err
		}
		raw = req.RefreshToken
	} else if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		// Even without a body: a JSON content type cannot be sent
		// cross-site without a CORS preflight.
		return apperr.New(apperr.UnsupportedMedia, "Content-Type must be application/json")
	}
	if raw == "" {
		c, err := r.Cookie(cookieName)
		if err != nil || c.Value == "" {
			return apperr.Field("refresh_token", "must be given in the body or the refresh cookie")
		}
		if err := m.checkCookieCSRF(r); err != nil {
			return err
		}
		raw, fromCookie = c.Value, true
	}
	si, err := m.svc.Refresh(r.Context(), raw, m.meta(r))
	if err != nil {
		if apperr.Is(err, apperr.Unauthenticated) {
			clearCookie(w)
		}
		return err
	}
	return writeTokens(w, http.StatusOK, si, fromCookie || fromBrowser(r))
}

// handleLogout handles POST /api/v1/auth/logout?scope=local|others|global.
func (m *Module) handleLogout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	q := r.URL.Query()
	if len(q["scope"]) > 1 {
		return apperr.Field("scope", "may be given once")
	}
	scope := logoutScope(q.Get("scope"))
	switch scope {
	case "":
		scope = logoutLocal
	case logoutLocal, logoutOthers, logoutGlobal:
	default:
		return apperr.Field("scope", "must be local, others or global")
	}
	if err := m.svc.Logout(ctx, p, scope, m.meta(r)); err != nil {
		return err
	}
	if scope != logoutOthers {
		clearCookie(w)
	}
	return httpx.NoContent(w)
}

// handleListSessions handles GET /api/v1/auth/sessions: the caller's live
// sessions, newest first.
func (m *Module) handleListSessions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	sessions, err := m.svc.ListSessions(ctx, p.UserID, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(sessions, toSessionResponse(p.SessionID)))
}

// handleRevokeSession handles DELETE /api/v1/auth/sessions/{session_id}.
func (m *Module) handleRevokeSession(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	id, err := httpx.PathUUID(r, "session_id")
	if err != nil {
		return err
	}
	if err := m.svc.RevokeSession(ctx, p, id, m.meta(r)); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
