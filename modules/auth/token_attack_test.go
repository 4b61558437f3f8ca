package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/thebrain/thebrain/platform/testkit"
)

// forge signs claims with key under alg and the given protected headers.
func forge(t *testing.T, alg jwa.SignatureAlgorithm, key any, hdr map[string]any, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	for k, v := range hdr {
		if err := h.Set(k, v); err != nil {
			t.Fatalf("set header %s: %v", k, err)
		}
	}
	signed, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return string(signed)
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestTokenAttacks sends forged and broken access tokens to a protected
// route through the real router and verifier. Each must be refused with
// 401 and a WWW-Authenticate challenge.
func TestTokenAttacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.signup(uniqueEmail("attacked"))
	sid := s.sessionIDFromDB(t, e)
	now := time.Now().Unix()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{
			"iss": testIssuer, "aud": []string{testAudience}, "sub": s.User.ID.String(), "sid": sid.String(),
			"jti": uuid.NewString(), "iat": now, "nbf": now, "exp": now + 600,
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	realKey, err := jwk.Import(e.key.Private)
	if err != nil {
		t.Fatal(err)
	}
	_, attackerPriv, _ := ed25519.GenerateKey(rand.Reader)
	attackerJWK, _ := jwk.Import(attackerPriv)
	attackerPub, _ := jwk.Import(attackerPriv.Public())
	_ = attackerPub.Set(jwk.KeyIDKey, "attacker")
	hdr := func(kv ...any) map[string]any {
		h := map[string]any{jws.KeyIDKey: e.key.ID, jws.TypeKey: "at+jwt"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(h, kv[i].(string))
				continue
			}
			h[kv[i].(string)] = kv[i+1]
		}
		return h
	}
	pub := e.key.Private.Public().(ed25519.PublicKey)

	valid := forge(t, jwa.EdDSA(), realKey, hdr(), claims(nil))
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64(claims(func(c map[string]any) { c["sub"] = uuid.NewString() })) + "." + parts[2]

	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"well-formed control", valid, 200},
		{"alg none", b64(map[string]any{"alg": "none", "typ": "at+jwt", "kid": e.key.ID}) + "." + b64(claims(nil)) + ".", 401},
		{"alg none, signature kept", b64(map[string]any{"alg": "none", "typ": "at+jwt", "kid": e.key.ID}) + "." + parts[1] + "." + parts[2], 401},
		{"unknown kid", forge(t, jwa.EdDSA(), attackerJWK, hdr(jws.KeyIDKey, "attacker"), claims(nil)), 401},
		{"no kid", forge(t, jwa.EdDSA(), realKey, hdr(jws.KeyIDKey, nil), claims(nil)), 401},
		{"embedded jwk", forge(t, jwa.EdDSA(), attackerJWK, hdr(jws.KeyIDKey, "attacker", jws.JWKKey, attackerPub), claims(nil)), 401},
		{"embedded jwk with our kid", forge(t, jwa.EdDSA(), attackerJWK, hdr(jws.JWKKey, attackerPub), claims(nil)), 401},
		{"jku header", forge(t, jwa.EdDSA(), attackerJWK, hdr(jws.KeyIDKey, "attacker", jws.JWKSetURLKey, "https://evil.example/jwks.json"), claims(nil)), 401},
		{"HS256 signed with the public key", forge(t, jwa.HS256(), []byte(pub), hdr(), claims(nil)), 401},
		{"tampered payload", tampered, 401},
		{"signature of another token", parts[0] + "." + parts[1] + "." + strings.Split(forge(t, jwa.EdDSA(), realKey, hdr(), claims(nil)), ".")[2], 401},
		{"wrong iss", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), 401},
		{"wrong aud", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["aud"] = []string{"other-api"} })), 401},
		{"typ JWT", forge(t, jwa.EdDSA(), realKey, hdr(jws.TypeKey, "JWT"), claims(nil)), 401},
		{"no typ", forge(t, jwa.EdDSA(), realKey, hdr(jws.TypeKey, nil), claims(nil)), 401},
		{"expired", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["iat"], c["nbf"], c["exp"] = now-1200, now-1200, now-60 })), 401},
		{"not yet valid", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["nbf"] = now + 300 })), 401},
		{"no sid", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { delete(c, "sid") })), 401},
		{"no jti", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { delete(c, "jti") })), 401},
		{"no exp", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { delete(c, "exp") })), 401},
		{"sub not a UUID", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["sub"] = "1 OR 1=1" })), 401},
		{"unknown session", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["sid"] = uuid.NewString() })), 401},
		{"session of another user", forge(t, jwa.EdDSA(), realKey, hdr(), claims(func(c map[string]any) { c["sub"] = uuid.NewString() })), 401},
		{"garbage", "not.a.token", 401},
		{"oversized", strings.Repeat("a", 5000), 401},
	}
	for _, c := range cases {
		r := e.c.Get("/api/v1/auth/me", c.token)
		if r.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.StatusCode, c.want, r.Body)
			continue
		}
		if c.want == 401 {
			testkit.WantProblem(t, r, 401, "unauthenticated")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), `Bearer realm="thebrain"`) {
				t.Errorf("%s: WWW-Authenticate = %q", c.name, r.Header.Get("WWW-Authenticate"))
			}
		}
	}

	// Malformed Authorization headers.
	for _, h := range []string{"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "Token " + valid} {
		r := e.c.Do(testkit.Request{Method: http.MethodGet, Path: "/api/v1/auth/me", Header: http.Header{"Authorization": {h}}})
		testkit.WantProblem(t, r, 401, "unauthenticated")
	}
	// The scheme is case-insensitive.
	r := e.c.Do(testkit.Request{Method: http.MethodGet, Path: "/api/v1/auth/me", Header: http.Header{"Authorization": {"bEaReR " + valid}}})
	testkit.WantStatus(t, r, 200)
}
