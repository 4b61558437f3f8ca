package main

import (
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestRefreshWithExpiredAccessToken: clients commonly keep sending their
// old access token on every call; the refresh that replaces it must still
// work, while protected routes refuse the old token.
func TestRefreshWithExpiredAccessToken(t *testing.T) {
	t.Parallel()
	c := testkit.Server(t, testHandler(t))
	resp := c.Send("POST", "/api/v1/auth/signup", "", map[string]string{
		"email": "tabs@refresh.example", "password": "seven quiet harbours at dusk", "full_name": "Tabs",
	})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	resp.JSON(t, &tok)
	stale := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln" // not a token we would accept
	refreshed := c.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/refresh", Token: stale,
		Body: map[string]string{"refresh_token": tok.RefreshToken}})
	testkit.WantStatus(t, refreshed, http.StatusOK)
	testkit.WantProblem(t, c.Get("/api/v1/auth/me", stale), http.StatusUnauthorized, "unauthenticated")
}
