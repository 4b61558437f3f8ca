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
	tok := signup(t, c, "tabs@refresh.example", "seven quiet harbours at dusk", "Tabs")
	stale := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln" // not a token we would accept
	refreshed := c.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/refresh", Token: stale,
		Body: map[string]string{"refresh_token": tok.RefreshToken}})
	testkit.WantStatus(t, refreshed, http.StatusOK)
	testkit.WantProblem(t, c.Get("/api/v1/auth/me", stale), http.StatusUnauthorized, "unauthenticated")
}
