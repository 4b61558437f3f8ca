package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/thebrain/thebrain/platform/testkit"
)

func wantRetryAfter(t *testing.T, r *testkit.Response) int {
	t.Helper()
	testkit.WantProblem(t, r, http.StatusTooManyRequests, "rate-limited")
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	return n
}

// TestAccountBackoff: after the free failures an account is locked with a
// growing Retry-After, before any hashing, and unknown accounts behave the
// same way.
func TestAccountBackoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.FreeFailures = 2 })
	email := uniqueEmail("locked")
	e.signup(email)
	for _, target := range []string{email, uniqueEmail("ghost")} {
		for range 3 {
			testkit.WantProblem(t, e.login(target, "not-the-password-1"), http.StatusUnauthorized, "invalid-credentials")
		}
		calls := e.m.svc.hash.calls.Load()
		first := wantRetryAfter(t, e.login(target, goodPassword)) // even the right password waits
		if e.m.svc.hash.calls.Load() != calls {
			t.Fatal("a locked login ran the hasher")
		}
		// The next failure after the lock doubles it.
		e.rdb.Del(t.Context(), e.m.svc.limit.accountKey("lock", mustCanonical(t, target)))
		testkit.WantStatus(t, e.login(target, "not-the-password-2"), http.StatusUnauthorized)
		second := wantRetryAfter(t, e.login(target, goodPassword))
		if second < first || second < 2 {
			t.Fatalf("%s: lock %ds then %ds, want growth", target, first, second)
		}
	}
	// Success clears the counter.
	e.rdb.Del(t.Context(), e.m.svc.limit.accountKey("lock", mustCanonical(t, email)))
	testkit.WantStatus(t, e.login(email, goodPassword), http.StatusOK)
	testkit.WantStatus(t, e.login(email, "not-the-password-3"), http.StatusUnauthorized)
	testkit.WantStatus(t, e.login(email, goodPassword), http.StatusOK)
	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'login_rate_limited'`); n < 4 {
		t.Fatalf("login_rate_limited events = %d", n)
	}
}

func mustCanonical(t *testing.T, email string) string {
	t.Helper()
	_, c, p := canonicalEmail(email)
	if p != "" {
		t.Fatal(p)
	}
	return c
}

// TestIPRateLimit: the per-IP limit applies before hashing, and a client
// cannot escape it with X-Forwarded-For unless it comes through a trusted
// proxy.
func TestIPRateLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		trusted     []netip.Prefix
		wantLimited bool
	}{
		{"spoofed X-Forwarded-For is ignored", nil, true},
		{"trusted proxy's X-Forwarded-For is used", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *Options) { o.IPRatePerMinute, o.IPBurst, o.TrustedProxies = 3, 3, c.trusted })
			limited := false
			for i := range 5 {
				r := e.c.Do(testkit.Request{Method: http.MethodPost, Path: "/api/v1/auth/login",
					Header: http.Header{"X-Forwarded-For": {"203.0.113." + strconv.Itoa(i+1)}},
					Body:   map[string]string{"email": uniqueEmail("ip"), "password": goodPassword}})
				if r.StatusCode == http.StatusTooManyRequests {
					wantRetryAfter(t, r)
					limited = true
				}
			}
			if limited != c.wantLimited {
				t.Fatalf("limited = %v, want %v", limited, c.wantLimited)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted := clientIPs{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		name   string
		ips    clientIPs
		remote string
		xff    []string
		want   string
	}{
		{"direct IPv4", clientIPs{}, "198.51.100.7:5555", nil, "198.51.100.7"},
		{"spoofed XFF, untrusted peer", clientIPs{}, "198.51.100.7:5555", []string{"1.2.3.4"}, "198.51.100.7"},
		{"IPv6 bucketed to /64", clientIPs{}, "[2001:db8:1:2:3:4:5:6]:443", nil, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6", clientIPs{}, "[::ffff:198.51.100.9]:1", nil, "198.51.100.9"},
		{"trusted proxy, rightmost untrusted hop", trusted, "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.8, 10.9.9.9"}, "198.51.100.8"},
		{"trusted proxy, garbled chain", trusted, "10.1.2.3:80", []string{"not-an-ip"}, "10.1.2.3"},
		{"trusted proxy, no XFF", trusted, "10.1.2.3:80", nil, "10.1.2.3"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := bucket(c.ips.addr(r)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}

	// In Lambda the address is API Gateway's sourceIp, whatever the headers say.
	var ra core.RequestAccessor
	ev := events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/api/v1/auth/login",
		Headers:        map[string]string{"X-Forwarded-For": "1.2.3.4"},
		RequestContext: events.APIGatewayProxyRequestContext{Identity: events.APIGatewayRequestIdentity{SourceIP: "2001:db8:aa:bb:1::9"}}}
	r, err := ra.EventToRequestWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if got := bucket(clientIPs{}.addr(r)); got != "2001:db8:aa:bb::/64" {
		t.Fatalf("lambda sourceIp bucket = %s", got)
	}
}

// TestIPRateLimitCountsEachAttemptOnce: the per-IP limit of login runs
// before the body is read (so a flood of slow bodies gets 429 at once), yet
// it counts what it counted when it ran after decoding: requests refused on
// their headers (a foreign Origin, a wrong content type, a declared body
// over the cap) spend nothing, and each real attempt spends exactly one.
func TestIPRateLimitCountsEachAttemptOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.IPRatePerMinute, o.IPBurst = 3, 3 })
	login := "/api/v1/auth/login"
	creds := map[string]string{"email": uniqueEmail("once"), "password": goodPassword}
	for range 4 {
		testkit.WantProblem(t, e.c.Do(testkit.Request{Method: http.MethodPost, Path: login, Body: creds,
			Header: http.Header{"Origin": {"https://evil.example"}}}), http.StatusForbidden, "forbidden")
		testkit.WantProblem(t, e.c.Do(testkit.Request{Method: http.MethodPost, Path: login, Body: `{}`,
			Header: http.Header{"Content-Type": {"text/plain"}}}), http.StatusUnsupportedMediaType, "unsupported-media-type")
		testkit.WantProblem(t, e.c.Do(testkit.Request{Method: http.MethodPost, Path: login,
			Body: map[string]string{"email": "a@example.com", "password": strings.Repeat("p", maxBody)}}), http.StatusRequestEntityTooLarge, "too-large")
	}
	for i := range 3 {
		if r := e.c.Send(http.MethodPost, login, "", creds); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d of a burst of 3: status %d, want 401", i+1, r.StatusCode)
		}
	}
	wantRetryAfter(t, e.c.Send(http.MethodPost, login, "", creds))
	// Signup has a bucket of its own.
	testkit.WantStatus(t, e.c.Send(http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"email": uniqueEmail("own"), "password": goodPassword}), http.StatusCreated)
}
