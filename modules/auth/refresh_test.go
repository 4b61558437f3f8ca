package auth

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	e := newEnv(t, func(o *Options) { o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) } })
	s := e.signup(uniqueEmail("dijkstra"))

	r1 := e.refreshBody(s.RefreshToken)
	testkit.WantStatus(t, r1, http.StatusOK)
	var a tokenResponse
	r1.JSON(t, &a)
	if a.RefreshToken == s.RefreshToken || a.AccessToken == "" || a.User.ID != s.User.ID {
		t.Fatalf("rotation = %+v", a)
	}
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", a.AccessToken), http.StatusOK)

	// Replaying the immediate parent within 10 s gives the same answer.
	var replay tokenResponse
	r2 := e.refreshBody(s.RefreshToken)
	testkit.WantStatus(t, r2, http.StatusOK)
	r2.JSON(t, &replay)
	if replay.RefreshToken != a.RefreshToken || replay.AccessToken != a.AccessToken {
		t.Fatal("replay within the grace window returned a different answer")
	}

	// Rotate again: now the grandparent is replayed, which is reuse. The
	// whole session dies: refresh tokens and access tokens alike.
	var b tokenResponse
	e.refreshBody(a.RefreshToken).JSON(t, &b)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", b.AccessToken), http.StatusOK)
	testkit.WantProblem(t, e.refreshBody(s.RefreshToken), http.StatusUnauthorized, "unauthenticated")
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", b.AccessToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.refreshBody(b.RefreshToken), http.StatusUnauthorized)
	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'refresh_reused'`); n != 1 {
		t.Fatalf("refresh_reused events = %d, want 1", n)
	}

	// Reuse of the immediate parent after the window also revokes.
	s2 := e.signup(uniqueEmail("hoare"))
	var c tokenResponse
	e.refreshBody(s2.RefreshToken).JSON(t, &c)
	e.rdb.Del(t.Context(), e.m.svc.graceKeyOf(mustHash(t, s2.RefreshToken)))
	offset.Store(int64(11 * time.Second))
	testkit.WantStatus(t, e.refreshBody(s2.RefreshToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.refreshBody(c.RefreshToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", c.AccessToken), http.StatusUnauthorized)
}

func mustHash(t *testing.T, raw string) []byte {
	t.Helper()
	h, ok := refreshHash(raw)
	if !ok {
		t.Fatalf("bad refresh token %q", raw)
	}
	return h
}

// TestConcurrentRefresh: several tabs refreshing the same token at once all
// get the same new token, and the session survives.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.signup(uniqueEmail("liskov"))
	const n = 8
	results := make([]tokenResponse, n)
	status := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			r := e.refreshBody(s.RefreshToken)
			status[i] = r.StatusCode
			if r.StatusCode == http.StatusOK {
				r.JSON(t, &results[i])
			}
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if status[i] != http.StatusOK || results[i].RefreshToken != results[0].RefreshToken {
			t.Fatalf("refresh %d: status %d, token equal %v", i, status[i], results[i].RefreshToken == results[0].RefreshToken)
		}
	}
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", results[0].AccessToken), http.StatusOK)
	testkit.WantStatus(t, e.refreshBody(results[0].RefreshToken), http.StatusOK)
	if n := e.count(`SELECT count(*) FROM refresh_tokens`); n != 3 {
		t.Fatalf("refresh tokens = %d, want 3 (one per rotation)", n)
	}
}

// TestRefreshCookieCSRF: the cookie path needs the custom header, an allowed
// Origin and a non-cross-site Fetch-Metadata; the body path needs none.
func TestRefreshCookieCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cookie := func(rt string) http.Header {
		return http.Header{"Cookie": {cookieName + "=" + rt}, "Content-Type": {"application/json"}}
	}
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	s := e.signup(uniqueEmail("perlman"))
	cases := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"no custom header", with(cookie(s.RefreshToken), "Origin", "https://app.thebrain.test"), 403},
		{"no origin", with(cookie(s.RefreshToken), csrfHeader, csrfValue), 403},
		{"foreign origin", with(cookie(s.RefreshToken), csrfHeader, csrfValue, "Origin", "https://evil.example"), 403},
		{"cross-site fetch", with(cookie(s.RefreshToken), csrfHeader, csrfValue, "Origin", "https://app.thebrain.test", "Sec-Fetch-Site", "cross-site"), 403},
		{"form content type", with(cookie(s.RefreshToken), csrfHeader, csrfValue, "Origin", "https://app.thebrain.test", "Content-Type", "text/plain"), 415},
		{"no cookie, no body", with(http.Header{"Content-Type": {"application/json"}}, csrfHeader, csrfValue, "Origin", "https://app.thebrain.test"), 400},
	}
	for _, c := range cases {
		r := e.c.Do(testkit.Request{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Header: c.header})
		if r.StatusCode != c.want {
			t.Fatalf("%s: status %d, want %d: %s", c.name, r.StatusCode, c.want, r.Body)
		}
	}
	ok := e.c.Do(testkit.Request{Method: http.MethodPost, Path: "/api/v1/auth/refresh",
		Header: with(cookie(s.RefreshToken), csrfHeader, csrfValue, "Origin", "https://app.thebrain.test", "Sec-Fetch-Site", "same-site")})
	testkit.WantStatus(t, ok, http.StatusOK)
	var tr tokenResponse
	ok.JSON(t, &tr)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", tr.AccessToken), http.StatusOK)

	// Login from a foreign origin (login CSRF) is refused before anything else.
	r := e.c.Do(testkit.Request{Method: http.MethodPost, Path: "/api/v1/auth/login", Header: http.Header{"Origin": {"https://evil.example"}},
		Body: map[string]string{"email": "a@example.com", "password": goodPassword}})
	testkit.WantProblem(t, r, http.StatusForbidden, "forbidden")
}

// TestSessionLifetimes: a session dies 7 days after its last refresh and 30
// days after sign-in, however often it is refreshed.
func TestSessionLifetimes(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	e := newEnv(t, func(o *Options) { o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) } })
	day := 24 * time.Hour

	idle := e.signup(uniqueEmail("idle"))
	offset.Store(int64(7*day + time.Minute))
	testkit.WantProblem(t, e.refreshBody(idle.RefreshToken), http.StatusUnauthorized, "unauthenticated")

	offset.Store(0)
	s := e.signup(uniqueEmail("absolute"))
	rt := s.RefreshToken
	for i := 1; i <= 4; i++ { // refreshed every 6 days: never idle
		offset.Store(int64(time.Duration(i) * 6 * day))
		r := e.refreshBody(rt)
		testkit.WantStatus(t, r, http.StatusOK)
		var tr tokenResponse
		r.JSON(t, &tr)
		rt = tr.RefreshToken
		if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=") {
			t.Fatalf("cookie %q", c)
		}
	}
	offset.Store(int64(30*day + time.Minute))
	testkit.WantProblem(t, e.refreshBody(rt), http.StatusUnauthorized, "unauthenticated")
}

// TestKeyRotation: tokens signed by the previous key keep working while it
// is still in the set, so a rotation signs nobody out.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.signup(uniqueEmail("rotate")) // signed with e.key
	next, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(strings.Repeat("s", 32))
	m, err := New(Deps{Log: testkit.Logger(t), DB: e.pool, Redis: e.rdb, Keys: e.keys, Cursors: page.NewCodec(secret), Secret: secret,
		SigningKeys: []token.Key{next, e.key}, Issuer: testIssuer, Audience: testAudience, Options: Options{Argon2: &cheapArgon}})
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.Server(t, server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{m}, Verifier: m.Verifier()}))
	testkit.WantStatus(t, c.Get("/api/v1/auth/me", s.AccessToken), http.StatusOK)
	r := c.Send(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s.RefreshToken})
	testkit.WantStatus(t, r, http.StatusOK)
	var tr tokenResponse
	r.JSON(t, &tr)
	if !strings.Contains(string(c.Get("/.well-known/jwks.json", "").Body), next.ID) {
		t.Fatal("new key missing from the JWKS")
	}
	// The new token is signed by the new key: the old-only deployment refuses it.
	testkit.WantStatus(t, c.Get("/api/v1/auth/me", tr.AccessToken), http.StatusOK)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", tr.AccessToken), http.StatusUnauthorized)
}
