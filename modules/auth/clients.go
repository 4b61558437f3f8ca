package auth

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

// What the handlers learn about and do for the calling client: its address
// (behind trusted proxies) and user agent, its origin (CSRF), and the
// refresh cookie.

// The refresh cookie. __Secure- (not __Host-, which needs Path=/) with the
// narrowest path that still reaches refresh and logout.
const (
	cookieName = "__Secure-thebrain_rt"
	cookiePath = "/api/v1/auth"
	// csrfHeader must accompany cookie-authenticated calls: a cross-site
	// form cannot set it, and a cross-origin fetch needs a preflight.
	csrfHeader = "X-Requested-With"
	csrfValue  = "thebrain"
)

var errBadOrigin = apperr.New(apperr.Forbidden, "this origin may not call the auth endpoints")

// checkOrigin refuses browser calls from origins other than the API's own
// and the configured app origins (login CSRF). Native clients send no Origin.
func (m *Module) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if m.origins[origin] {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host == r.Host && (u.Scheme == "https" || u.Scheme == "http") {
		return nil
	}
	return errBadOrigin
}

// checkCookieCSRF is the extra bar for calls authenticated by the cookie:
// the custom header, an allowed Origin (which browsers always send on
// POST), and Fetch-Metadata saying the call is not cross-site.
func (m *Module) checkCookieCSRF(r *http.Request) error {
	if r.Header.Get(csrfHeader) != csrfValue {
		return apperr.Newf(apperr.Forbidden, "cookie-based calls need the header %s: %s", csrfHeader, csrfValue)
	}
	if r.Header.Get("Origin") == "" {
		return errBadOrigin
	}
	if err := m.checkOrigin(r); err != nil {
		return err
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "same-site":
		return nil
	}
	return errBadOrigin
}

// fromBrowser reports whether r comes from a browser: browsers send Origin
// on every POST, native clients send none.
func fromBrowser(r *http.Request) bool {
	return r.Header.Get("Origin") != ""
}

// writeTokens answers signup, login and refresh, and sets the refresh
// cookie. With cookieOnly (browsers, and every refresh that came as the
// cookie) the body leaves the refresh token out: there, script on an
// allowed origin could read a 30-day credential that the HttpOnly cookie
// keeps from it. Native clients get it in the body for their keychain.
func writeTokens(w http.ResponseWriter, status int, si signedIn, cookieOnly bool) error {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: si.RefreshToken, Path: cookiePath, MaxAge: max(int(si.RefreshLeft.Seconds()), 1),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
	resp := toTokenResponse(si)
	if cookieOnly {
		resp.RefreshToken = "" // omitted from the JSON
	}
	return httpx.Encode(w, status, resp)
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: cookiePath, MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

// meta is what the service records about the caller of r.
func (m *Module) meta(r *http.Request) requestMeta {
	ua := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || invisible(r) {
			return -1
		}
		return r
	}, r.UserAgent())
	if utf8.RuneCountInString(ua) > maxUserAgentChars {
		ua = string([]rune(ua)[:maxUserAgentChars])
	}
	return requestMeta{ipBucket: bucket(m.ips.addr(r)), userAgent: ua}
}

// limitIPBeforeBody spends one attempt of action from the caller's per-IP
// bucket as soon as the headers are in, before the body is read: a flood of
// slow bodies from one address is answered 429 at once, and its connections
// are closed, instead of each being held while its body trickles in.
// Requests refused on their headers alone (a foreign Origin, a wrong content
// type, a declared body over the cap) are refused first and, as before, not
// counted. A malformed body is read after the limit, so it now counts.
func (m *Module) limitIPBeforeBody(action string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
			err := m.checkOrigin(r)
			if err == nil {
				err = httpx.CheckJSONHeaders(r, maxBody)
			}
			if err == nil {
				err = m.svc.AllowAttempt(r.Context(), action, bucket(m.ips.addr(r)))
			}
			if err != nil {
				httpx.SkipBody(w)
				return err
			}
			next.ServeHTTP(w, r)
			return nil
		})
	}
}

// clientIPs resolves the caller's address. X-Forwarded-For is read only when
// the connection comes from a configured trusted proxy, and then from the
// right: the first address that is not itself a trusted proxy is the client.
type clientIPs struct {
	trusted []netip.Prefix
}

func (c clientIPs) addr(r *http.Request) netip.Addr {
	if gw, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok {
		if a, err := netip.ParseAddr(gw.Identity.SourceIP); err == nil {
			return a.Unmap()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !c.isTrusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a garbled chain: trust only what we saw
		}
		a = a.Unmap()
		if !c.isTrusted(a) {
			return a
		}
	}
	return peer
}

func (c clientIPs) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// bucket is the rate-limit and audit identity of an address: the address
// for IPv4, its /64 for IPv6 (one customer usually holds a whole /64).
func bucket(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
