package auth

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestBrowserRefreshTokenOnlyInCookie: a browser (it sends Origin) signs
// up, logs in and refreshes by cookie, including a second tab's replay,
// without the refresh token in any body; the HttpOnly cookie carries it with
// unchanged attributes. A native client (no Origin) still gets it in the
// body, the same value as the cookie.
func TestBrowserRefreshTokenOnlyInCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const appOrigin = "https://app.thebrain.test"
	email := uniqueEmail("browser")
	creds := map[string]string{"email": email, "password": goodPassword}

	browser := func(origin, path string, body any, cookie string) *testkit.Response {
		t.Helper()
		h := http.Header{"Origin": {origin}, "Content-Type": {"application/json"}}
		if cookie != "" {
			h.Set("Cookie", cookieName+"="+cookie)
			h.Set(csrfHeader, csrfValue)
		}
		return e.c.Do(testkit.Request{Method: http.MethodPost, Path: path, Body: body, Header: h})
	}
	// cookieOnly checks a browser answer and returns the cookie's token.
	cookieOnly := func(r *testkit.Response, status int) string {
		t.Helper()
		testkit.WantStatus(t, r, status)
		body := bodyFields(t, r)
		if _, ok := body["refresh_token"]; ok {
			t.Fatalf("%s: browser answer has refresh_token in the body: %s", r.Request.URL.Path, r.Body)
		}
		at, _ := body["access_token"].(string)
		testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", at), http.StatusOK)
		return refreshCookie(t, r)
	}

	signedUp := cookieOnly(browser(appOrigin, "/api/v1/auth/signup", map[string]string{"email": email, "password": goodPassword, "full_name": "Ada"}, ""), http.StatusCreated)
	loggedIn := cookieOnly(browser(appOrigin, "/api/v1/auth/login", creds, ""), http.StatusOK)
	// The API's own origin counts as a browser too.
	cookieOnly(browser(e.c.URL, "/api/v1/auth/login", creds, ""), http.StatusOK)

	rotated := cookieOnly(browser(appOrigin, "/api/v1/auth/refresh", nil, loggedIn), http.StatusOK)
	if rotated == loggedIn {
		t.Fatal("the refresh did not rotate the cookie")
	}
	// A second tab presenting the same cookie within the grace window gets
	// the same answer: again only in the cookie.
	if replay := cookieOnly(browser(appOrigin, "/api/v1/auth/refresh", nil, loggedIn), http.StatusOK); replay != rotated {
		t.Fatal("the replay set another cookie than the first refresh")
	}
	// The cookie is all a browser needs to go on.
	cookieOnly(browser(appOrigin, "/api/v1/auth/refresh", nil, rotated), http.StatusOK)
	cookieOnly(browser(appOrigin, "/api/v1/auth/refresh", nil, signedUp), http.StatusOK)

	// Native: no Origin, the token in the body and in the cookie alike.
	native := func(r *testkit.Response) string {
		t.Helper()
		testkit.WantStatus(t, r, http.StatusOK)
		rt, _ := bodyFields(t, r)["refresh_token"].(string)
		if c := refreshCookie(t, r); rt != c {
			t.Fatalf("native answer: body refresh_token %q, cookie %q", rt, c)
		}
		return rt
	}
	rt := native(e.login(email, goodPassword))
	native(e.refreshBody(rt))
}

func bodyFields(t *testing.T, r *testkit.Response) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	return body
}

// refreshCookie returns the refresh token r sets as its cookie, checking
// the attributes: host-only, the auth path, HttpOnly, Secure, SameSite=Strict
// and the session's 30-day absolute lifetime.
func refreshCookie(t *testing.T, r *testkit.Response) string {
	t.Helper()
	raw := r.Header.Values("Set-Cookie")
	if len(raw) != 1 {
		t.Fatalf("Set-Cookie = %q, want one cookie", raw)
	}
	c, err := http.ParseSetCookie(raw[0])
	if err != nil {
		t.Fatal(err)
	}
	lifetime := time.Duration(c.MaxAge) * time.Second
	if c.Name != cookieName || c.Path != cookiePath || c.Domain != "" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode ||
		lifetime <= sessionAbsolute-time.Minute || lifetime > sessionAbsolute {
		t.Fatalf("Set-Cookie %q: attributes changed", raw[0])
	}
	if !strings.HasPrefix(c.Value, refreshPrefix) || len(c.Value) != refreshLen {
		t.Fatalf("cookie value %q is not a refresh token", c.Value)
	}
	return c.Value
}
