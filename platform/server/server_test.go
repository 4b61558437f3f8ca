package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// echo is a module with one route of each shape the platform must handle.
type echo struct{}

func (echo) Name() string { return "echo" }

type echoBody struct {
	Title string `json:"title"`
}

func (echo) Routes(r chi.Router) {
	r.With(authn.Require).Post("/things/{thing_id}", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathUUID(r, "thing_id")
		if err != nil {
			return err
		}
		b, err := httpx.Decode[echoBody](w, r)
		if err != nil {
			return err
		}
		return httpx.Encode(w, http.StatusOK, map[string]string{"id": id.String(), "title": b.Title, "user": authn.UserID(r.Context()).String()})
	}))
	r.Get("/boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	r.Get("/public", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		_, signedIn := authn.PrincipalFrom(r.Context())
		return httpx.Encode(w, http.StatusOK, map[string]bool{"signed_in": signedIn})
	}))
}

func newServer(t *testing.T, checks map[string]server.Check, origins ...string) *testkit.Client {
	t.Helper()
	return testkit.Server(t, server.NewHandler(server.Options{
		Logger:      testkit.Logger(t),
		Version:     "test",
		Modules:     []module.Module{echo{}},
		Verifier:    testkit.Verifier(t),
		Checks:      checks,
		CORSOrigins: origins,
	}))
}

func realChecks(t *testing.T) map[string]server.Check {
	pool := testkit.Postgres(t)
	rdb, _ := testkit.Redis(t)
	return map[string]server.Check{
		"database": func(ctx context.Context) error { return pool.Ping(ctx) },
		"redis":    func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	c := newServer(t, realChecks(t))
	testkit.WantStatus(t, c.Get("/healthz", ""), 200)
	testkit.WantStatus(t, c.Get("/readyz", ""), 200)
	resp := c.Get("/api/v1/health", "")
	testkit.WantStatus(t, resp, 200)
	var h struct {
		Status  string
		Version string
		Checks  map[string]string
	}
	resp.JSON(t, &h)
	if h.Status != "ok" || h.Version != "test" || h.Checks["database"] != "ok" || h.Checks["redis"] != "ok" {
		t.Fatalf("health %+v", h)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
}

func TestReadinessFailsWhenABackendIsDown(t *testing.T) {
	t.Parallel()
	checks := realChecks(t)
	checks["redis"] = func(ctx context.Context) error { return errors.New("connection refused") }
	c := newServer(t, checks)
	testkit.WantStatus(t, c.Get("/healthz", ""), 200) // liveness is not readiness
	resp := c.Get("/readyz", "")
	testkit.WantStatus(t, resp, 503)
	if !strings.Contains(string(resp.Body), `"redis":"unavailable"`) || strings.Contains(string(resp.Body), "refused") {
		t.Fatalf("body %s", resp.Body)
	}
	testkit.WantStatus(t, c.Get("/api/v1/health", ""), 503)
}

func TestBadInputThroughTheRouter(t *testing.T) {
	t.Parallel()
	c := newServer(t, nil)
	user := testkit.Token(t, [16]byte{1})
	good := "/api/v1/things/0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60"
	cases := []struct {
		name   string
		req    testkit.Request
		status int
		slug   string
	}{
		{"unknown route", testkit.Request{Method: "GET", Path: "/api/v1/nope"}, 404, "not-found"},
		{"unknown root route", testkit.Request{Method: "GET", Path: "/wp-admin.php"}, 404, "not-found"},
		{"method not allowed", testkit.Request{Method: "DELETE", Path: "/api/v1/health"}, 405, "method-not-allowed"},
		{"no token", testkit.Request{Method: "POST", Path: good, Body: `{"title":"x"}`}, 401, "unauthenticated"},
		{"garbage token", testkit.Request{Method: "POST", Path: good, Token: "abc.def.ghi", Body: `{"title":"x"}`}, 401, "unauthenticated"},
		{"bad scheme", testkit.Request{Method: "POST", Path: good, Header: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, Body: `{"title":"x"}`}, 401, "unauthenticated"},
		{"bad uuid", testkit.Request{Method: "POST", Path: "/api/v1/things/not-a-uuid", Token: user, Body: `{"title":"x"}`}, 400, "validation"},
		{"uuid without dashes", testkit.Request{Method: "POST", Path: "/api/v1/things/0190a5b47a2e7c3d9f001b2c3d4e5f60", Token: user, Body: `{"title":"x"}`}, 400, "validation"},
		{"malformed json", testkit.Request{Method: "POST", Path: good, Token: user, Body: `{"title":`}, 400, "malformed-json"},
		{"wrong content type", testkit.Request{Method: "POST", Path: good, Token: user, Body: `title=x`, Header: http.Header{"Content-Type": {"text/plain"}}}, 415, "unsupported-media-type"},
		{"unknown field", testkit.Request{Method: "POST", Path: good, Token: user, Body: `{"title":"x","admin":true}`}, 400, "validation"},
		{"oversized body", testkit.Request{Method: "POST", Path: good, Token: user, Body: `{"title":"` + strings.Repeat("x", 2<<20) + `"}`}, 413, "too-large"},
		{"panic", testkit.Request{Method: "GET", Path: "/api/v1/boom"}, 500, "internal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := c.Do(tc.req)
			p := testkit.WantProblem(t, resp, tc.status, tc.slug)
			if p["request_id"] != resp.Header.Get("X-Request-Id") {
				t.Fatalf("request_id %v does not match header %q", p["request_id"], resp.Header.Get("X-Request-Id"))
			}
			if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without a Bearer challenge")
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "GET" {
				t.Fatalf("Allow = %q, want GET", resp.Header.Get("Allow"))
			}
		})
	}
	resp := c.Do(testkit.Request{Method: "POST", Path: good, Token: user, Body: `{"title":"ok"}`})
	testkit.WantStatus(t, resp, 200)
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	resp := newServer(t, nil).Get("/healthz", "")
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func TestCORSAllowlist(t *testing.T) {
	t.Parallel()
	c := newServer(t, nil, "https://app.thebrain.test")
	preflight := func(origin string) *testkit.Response {
		return c.Do(testkit.Request{Method: "OPTIONS", Path: "/api/v1/health", Header: http.Header{
			"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"Authorization, Content-Type"}}})
	}
	ok := preflight("https://app.thebrain.test")
	if ok.Header.Get("Access-Control-Allow-Origin") != "https://app.thebrain.test" || ok.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("allowed origin refused: %v", ok.Header)
	}
	for _, evil := range []string{"https://evil.test", "https://app.thebrain.test.evil.test", "null"} {
		if got := preflight(evil).Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("origin %q allowed: %q", evil, got)
		}
	}
	// With no origins configured nothing is allowed, never "*".
	none := newServer(t, nil)
	resp := none.Do(testkit.Request{Method: "GET", Path: "/healthz", Header: http.Header{"Origin": {"https://evil.test"}}})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("no allowlist, yet Access-Control-Allow-Origin = %q", got)
	}
}

// TestStaleTokenOnPublicRoutes: a client that still sends an expired or
// broken access token can reach public routes (it must be able to refresh),
// while protected routes refuse it with invalid_token.
func TestStaleTokenOnPublicRoutes(t *testing.T) {
	t.Parallel()
	c := newServer(t, nil)
	for _, tok := range []string{"abc.def.ghi", testkit.Token(t, [16]byte{7}) + "x"} {
		resp := c.Get("/api/v1/public", tok)
		testkit.WantStatus(t, resp, http.StatusOK)
		if string(resp.Body) != "{\"signed_in\":false}\n" {
			t.Fatalf("public route with a bad token: %s", resp.Body)
		}
		prot := c.Send("POST", "/api/v1/things/0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60", tok, map[string]string{"title": "x"})
		testkit.WantProblem(t, prot, http.StatusUnauthorized, "unauthenticated")
		if !strings.Contains(prot.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Fatalf("challenge %q lacks invalid_token", prot.Header.Get("WWW-Authenticate"))
		}
	}
	good := c.Get("/api/v1/public", testkit.Token(t, [16]byte{7}))
	if string(good.Body) != "{\"signed_in\":true}\n" {
		t.Fatalf("public route with a good token: %s", good.Body)
	}
	// No token at all on a protected route: a plain challenge.
	anon := c.Send("POST", "/api/v1/things/0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60", "", map[string]string{"title": "x"})
	testkit.WantProblem(t, anon, http.StatusUnauthorized, "unauthenticated")
	if strings.Contains(anon.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("anonymous request told its token is invalid: %q", anon.Header.Get("WWW-Authenticate"))
	}
}
