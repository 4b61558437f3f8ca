package auth

import (
	"mime"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// The refresh cookie. __Secure- (not __Host-, which needs Path=/) with the
// narrowest path that still reaches refresh and logout.
const (
	cookieName = "__Secure-thebrain_rt"
	cookiePath = "/api/v1/auth"
	// csrfHeader must accompany cookie-authenticated calls: a cross-site
	// form cannot set it, and a cross-origin fetch needs a preflight.
	csrfHeader = "X-Requested-With"
	csrfValue  = "thebrain"
)

var errBadOrigin = apperr.New(apperr.Forbidden, "this origin may not call the auth endpoints")

// checkOrigin refuses browser calls from origins other than the API's own
// and the configured app origins (login CSRF). Native clients send no Origin.
func (m *Module) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if m.origins[origin] {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host == r.Host && (u.Scheme == "https" || u.Scheme == "http") {
		return nil
	}
	return errBadOrigin
}

// checkCookieCSRF is the extra bar for calls authenticated by the cookie:
// the custom header, an allowed Origin (which browsers always send on
// POST), and Fetch-Metadata saying the call is not cross-site.
func (m *Module) checkCookieCSRF(r *http.Request) error {
	if r.Header.Get(csrfHeader) != csrfValue {
		return apperr.Newf(apperr.Forbidden, "cookie-based calls need the header %s: %s", csrfHeader, csrfValue)
	}
	if r.Header.Get("Origin") == "" {
		return errBadOrigin
	}
	if err := m.checkOrigin(r); err != nil {
		return err
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "same-site":
		return nil
	}
	return errBadOrigin
}

// fromBrowser reports whether r comes from a browser: browsers send Origin
// on every POST, native clients send none.
func fromBrowser(r *http.Request) bool {
	return r.Header.Get("Origin") != ""
}

// writeTokens answers signup, login and refresh, and sets the refresh
// cookie. With cookieOnly (browsers, and every refresh that came as the
// cookie) the body leaves the refresh token out: there, script on an
// allowed origin could read a 30-day credential that the HttpOnly cookie
// keeps from it. Native clients get it in the body for their keychain.
func (m *Module) writeTokens(w http.ResponseWriter, status int, resp tokenResponse, cookieOnly bool) error {
	maxAge := int(resp.RefreshExpires.Sub(m.now()).Seconds())
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: resp.RefreshToken, Path: cookiePath, MaxAge: max(maxAge, 1),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
	if cookieOnly {
		resp.RefreshToken = "" // omitted from the JSON
	}
	return httpx.Encode(w, status, resp)
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: cookiePath, MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

// handleSignup handles POST /api/v1/auth/signup.
func (m *Module) handleSignup(w http.ResponseWriter, r *http.Request) error {
	if err := m.checkOrigin(r); err != nil {
		return err
	}
	req, err := httpx.Decode[signupRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	resp, err := m.signup(r.Context(), req, m.meta(r))
	if err != nil {
		return err
	}
	return m.writeTokens(w, http.StatusCreated, resp, fromBrowser(r))
}

// handleLogin handles POST /api/v1/auth/login.
func (m *Module) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if err := m.checkOrigin(r); err != nil {
		return err
	}
	req, err := httpx.Decode[loginRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	resp, err := m.login(r.Context(), req, m.meta(r))
	if err != nil {
		return err
	}
	return m.writeTokens(w, http.StatusOK, resp, fromBrowser(r))
}

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
	resp, err := m.refresh(r.Context(), raw, m.meta(r))
	if err != nil {
		if apperr.Is(err, apperr.Unauthenticated) {
			clearCookie(w)
		}
		return err
	}
	return m.writeTokens(w, http.StatusOK, resp, fromCookie || fromBrowser(r))
}

// handleLogout handles POST /api/v1/auth/logout?scope=local|others|global.
func (m *Module) handleLogout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	q := r.URL.Query()
	scope := q.Get("scope")
	if len(q["scope"]) > 1 {
		return apperr.Field("scope", "may be given once")
	}
	if scope == "" {
		scope = "local"
	}
	if scope != "local" && scope != "others" && scope != "global" {
		return apperr.Field("scope", "must be local, others or global")
	}
	reason := "logout " + scope
	_, err := m.revokeSessions(ctx, func(qs *store.Queries) ([]uuid.UUID, error) {
		switch scope {
		case "local":
			return qs.RevokeSessionByUser(ctx, store.RevokeSessionByUserParams{ID: p.SessionID, UserID: p.UserID, RevokedReason: &reason})
		case "others":
			return qs.RevokeOtherSessionsByUser(ctx, store.RevokeOtherSessionsByUserParams{UserID: p.UserID, ID: p.SessionID, RevokedReason: &reason})
		default: // global
			return qs.RevokeSessionsByUser(ctx, store.RevokeSessionsByUserParams{UserID: p.UserID, RevokedReason: &reason})
		}
	})
	if err != nil {
		return err
	}
	m.audit(ctx, "logout", &p.UserID, &p.SessionID, "", m.meta(r), scope)
	if scope != "others" {
		clearCookie(w)
	}
	return httpx.NoContent(w)
}

// handleMe handles GET /api/v1/auth/me.
func (m *Module) handleMe(w http.ResponseWriter, r *http.Request) error {
	u, err := m.q.GetLiveUserByID(r.Context(), authn.UserID(r.Context()))
	if db.IsNoRows(err) {
		return authn.ErrUnauthenticated
	}
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toUserResponse(u))
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
	scope := "auth.sessions:" + p.UserID.String()
	params := store.ListActiveSessionsByUserParams{UserID: p.UserID, Now: m.now().UTC(), Lim: int32(pr.Limit + 1)}
	if pr.Cursor != "" {
		var c sessionCursor
		if err := m.cursors.Decode(scope, pr.Cursor, &c); err != nil {
			return err
		}
		params.AfterCreated, params.AfterID = &c.T, &c.ID
	}
	rows, err := m.q.ListActiveSessionsByUser(ctx, params)
	if err != nil {
		return err
	}
	out := page.Build(m.cursors, scope, rows, pr.Limit,
		func(s store.Session) sessionResponse { return toSessionResponse(s, p.SessionID) },
		func(s store.Session) any { return sessionCursor{T: s.CreatedAt, ID: s.ID} })
	return httpx.Encode(w, http.StatusOK, out)
}

// handleRevokeSession handles DELETE /api/v1/auth/sessions/{session_id}.
// Another user's session is "not found", like one that does not exist.
func (m *Module) handleRevokeSession(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	id, err := httpx.PathUUID(r, "session_id")
	if err != nil {
		return err
	}
	reason := "revoked by user"
	_, err = m.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		revoked, err := q.RevokeSessionByUser(ctx, store.RevokeSessionByUserParams{ID: id, UserID: p.UserID, RevokedReason: &reason})
		if err == nil && len(revoked) == 0 {
			err = apperr.New(apperr.NotFound, "no such session")
		}
		return revoked, err
	})
	if err != nil {
		return err
	}
	m.audit(ctx, "session_revoked", &p.UserID, &id, "", m.meta(r), "")
	return httpx.NoContent(w)
}

// handleChangePassword handles POST /api/v1/auth/password.
func (m *Module) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	req, err := httpx.Decode[changePasswordRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	if err := m.changePassword(ctx, p.UserID, p.SessionID, req, m.meta(r)); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
