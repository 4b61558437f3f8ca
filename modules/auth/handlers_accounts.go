package auth

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
)

// handleSignup handles POST /api/v1/auth/signup.
func (m *Module) handleSignup(w http.ResponseWriter, r *http.Request) error {
	if err := m.checkOrigin(r); err != nil {
		return err
	}
	req, err := httpx.Decode[signupRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	si, err := m.svc.Signup(r.Context(), req.account(), m.meta(r))
	if err != nil {
		return err
	}
	return writeTokens(w, http.StatusCreated, si, fromBrowser(r))
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
	si, err := m.svc.Login(r.Context(), req.Email, req.Password, m.meta(r))
	if err != nil {
		return err
	}
	return writeTokens(w, http.StatusOK, si, fromBrowser(r))
}

// handleMe handles GET /api/v1/auth/me.
func (m *Module) handleMe(w http.ResponseWriter, r *http.Request) error {
	a, err := m.svc.Me(r.Context(), authn.UserID(r.Context()))
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toUserResponse(a))
}

// handleChangePassword handles POST /api/v1/auth/password.
func (m *Module) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := authn.PrincipalFrom(ctx)
	req, err := httpx.Decode[changePasswordRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	if err := m.svc.ChangePassword(ctx, p, req.CurrentPassword, req.NewPassword, m.meta(r)); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
