package main

import (
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// signedUp is the part of the token response the system tests use.
type signedUp struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// signup creates an account through the real auth endpoint.
func signup(t testing.TB, c *testkit.Client, email, password, name string) signedUp {
	t.Helper()
	resp := c.Send("POST", "/api/v1/auth/signup", "", map[string]string{"email": email, "password": password, "full_name": name})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var s signedUp
	resp.JSON(t, &s)
	return s
}
