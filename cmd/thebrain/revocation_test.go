package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestRevocationAcrossInstances runs two server processes of one
// deployment (shared PostgreSQL and Redis, each with its own in-process
// denylist copy). Whatever ends a session on one is refused on the other:
// logout, revoking a session from the list, a password change.
func TestRevocationAcrossInstances(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a, b := testkit.Server(t, instance(t, cfg)), testkit.Server(t, instance(t, cfg))
	const email, password = "pair@instances.example", "tidal lighthouse lamp, two towers"
	first := signup(t, a, email, password, "Two").AccessToken
	login := func() string {
		t.Helper()
		resp := a.Send("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
		testkit.WantStatus(t, resp, http.StatusOK)
		var s signedUp
		resp.JSON(t, &s)
		return s.AccessToken
	}
	second, third := login(), login()
	for _, tok := range []string{first, second, third} {
		testkit.WantStatus(t, b.Get("/api/v1/auth/me", tok), http.StatusOK)
	}
	// refused: the revoking instance refuses at once; the other as soon as
	// the revocation is delivered (waited for, bounded).
	refused := func(what, tok string) {
		t.Helper()
		testkit.WantProblem(t, a.Get("/api/v1/auth/me", tok), http.StatusUnauthorized, "unauthenticated")
		deadline := time.Now().Add(2 * time.Second)
		for b.Get("/api/v1/auth/me", tok).StatusCode != http.StatusUnauthorized {
			if time.Now().After(deadline) {
				t.Fatalf("after %s the other instance still accepts the token", what)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}

	testkit.WantStatus(t, a.Send("POST", "/api/v1/auth/logout", first, nil), http.StatusNoContent)
	refused("logout", first)
	testkit.WantStatus(t, b.Get("/api/v1/auth/me", second), http.StatusOK)

	var sessions struct {
		Items []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		}
	}
	resp := a.Get("/api/v1/auth/sessions", third)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &sessions)
	for _, s := range sessions.Items {
		if !s.Current {
			testkit.WantStatus(t, a.Send("DELETE", "/api/v1/auth/sessions/"+s.ID, third, nil), http.StatusNoContent)
		}
	}
	refused("revoking the session", second)

	// A password change ends every other session; make one to end.
	fourth := login()
	testkit.WantStatus(t, b.Get("/api/v1/auth/me", fourth), http.StatusOK)
	testkit.WantStatus(t, a.Send("POST", "/api/v1/auth/password", third,
		map[string]string{"current_password": password, "new_password": "a different lamp, eleven harbours"}), http.StatusNoContent)
	refused("a password change", fourth)
	testkit.WantStatus(t, b.Get("/api/v1/auth/me", third), http.StatusOK)
}
