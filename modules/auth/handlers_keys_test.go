package auth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestJWKS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.c.Get("/.well-known/jwks.json", "")
	testkit.WantStatus(t, r, http.StatusOK)
	body := string(r.Body)
	if !strings.Contains(body, `"kid":"`+e.key.ID+`"`) || !strings.Contains(body, `"alg":"EdDSA"`) || strings.Contains(body, `"d":`) {
		t.Fatalf("jwks = %s", body)
	}
	if r.Header.Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
}
