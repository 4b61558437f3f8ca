package auth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestLogoutScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("hopper")
	s1 := e.signup(email)
	login := func() tokenResponse {
		var tr tokenResponse
		r := e.login(email, goodPassword)
		testkit.WantStatus(t, r, http.StatusOK)
		r.JSON(t, &tr)
		return tr
	}
	s2, s3, s4 := login(), login(), login()
	alive := func(tr tokenResponse, want int) {
		t.Helper()
		testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", tr.AccessToken), want)
	}

	testkit.WantProblem(t, e.c.Send(http.MethodPost, "/api/v1/auth/logout?scope=everything", s1.AccessToken, nil), http.StatusBadRequest, "validation")

	r := e.c.Send(http.MethodPost, "/api/v1/auth/logout", s1.AccessToken, nil)
	testkit.WantStatus(t, r, http.StatusNoContent)
	if !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout does not clear the cookie: %q", r.Header.Get("Set-Cookie"))
	}
	alive(s1, http.StatusUnauthorized)
	alive(s2, http.StatusOK)
	testkit.WantProblem(t, e.refreshBody(s1.RefreshToken), http.StatusUnauthorized, "unauthenticated")

	testkit.WantStatus(t, e.c.Send(http.MethodPost, "/api/v1/auth/logout?scope=others", s2.AccessToken, nil), http.StatusNoContent)
	alive(s2, http.StatusOK)
	alive(s3, http.StatusUnauthorized)
	alive(s4, http.StatusUnauthorized)
	testkit.WantStatus(t, e.refreshBody(s3.RefreshToken), http.StatusUnauthorized)

	s5 := login()
	testkit.WantStatus(t, e.c.Send(http.MethodPost, "/api/v1/auth/logout?scope=global", s2.AccessToken, nil), http.StatusNoContent)
	alive(s2, http.StatusUnauthorized)
	alive(s5, http.StatusUnauthorized)
	testkit.WantStatus(t, e.refreshBody(s5.RefreshToken), http.StatusUnauthorized)
	if n := e.count(`SELECT count(*) FROM sessions WHERE revoked_at IS NULL`); n != 0 {
		t.Fatalf("live sessions = %d, want 0", n)
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("lamarr")
	s1 := e.signup(email)
	var s2 tokenResponse
	e.login(email, goodPassword).JSON(t, &s2)
	other := e.signup(uniqueEmail("mallory"))

	r := e.c.Get("/api/v1/auth/sessions?limit=1", s1.AccessToken)
	testkit.WantStatus(t, r, http.StatusOK)
	var p1 page.Page[sessionResponse]
	r.JSON(t, &p1)
	if len(p1.Items) != 1 || p1.NextCursor == "" || p1.Items[0].ID != s2.sessionIDFromDB(t, e) {
		t.Fatalf("first page = %+v", p1)
	}
	r = e.c.Get("/api/v1/auth/sessions?limit=1&cursor="+p1.NextCursor, s1.AccessToken)
	testkit.WantStatus(t, r, http.StatusOK)
	var p2 page.Page[sessionResponse]
	r.JSON(t, &p2)
	if len(p2.Items) != 1 || p2.NextCursor != "" || !p2.Items[0].Current {
		t.Fatalf("second page = %+v", p2)
	}
	// A cursor of another user's list is refused.
	testkit.WantProblem(t, e.c.Get("/api/v1/auth/sessions?cursor="+p1.NextCursor, other.AccessToken), http.StatusBadRequest, "invalid-cursor")

	otherSID := other.sessionIDFromDB(t, e)
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, "/api/v1/auth/sessions/"+otherSID.String(), s1.AccessToken, nil), http.StatusNotFound, "not-found")
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", other.AccessToken), http.StatusOK)
	testkit.WantProblem(t, e.c.Send(http.MethodDelete, "/api/v1/auth/sessions/not-a-uuid", s1.AccessToken, nil), http.StatusBadRequest, "validation")

	testkit.WantStatus(t, e.c.Send(http.MethodDelete, "/api/v1/auth/sessions/"+p1.Items[0].ID.String(), s1.AccessToken, nil), http.StatusNoContent)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s2.AccessToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s1.AccessToken), http.StatusOK)
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, "/api/v1/auth/sessions/"+p1.Items[0].ID.String(), s1.AccessToken, nil), http.StatusNotFound)
	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'session_revoked'`); n != 1 {
		t.Fatalf("session_revoked events = %d", n)
	}
}

// sessionIDFromDB finds the session of tr's refresh token.
func (tr tokenResponse) sessionIDFromDB(t *testing.T, e *env) uuid.UUID {
	t.Helper()
	h, _ := refreshHash(tr.RefreshToken)
	var id uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT session_id FROM refresh_tokens WHERE token_hash = $1`, h).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
