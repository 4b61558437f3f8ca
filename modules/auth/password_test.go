package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestHasherDefaults runs the real OWASP parameters once.
func TestHasherDefaults(t *testing.T) {
	t.Parallel()
	h, err := newHasher("argon2id", OWASPArgon2, BcryptCost, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc, err := h.Hash(ctx, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %s", enc)
	}
	cases := []struct {
		name       string
		encoded    string
		pw         string
		ok, rehash bool
	}{
		{"right password", enc, goodPassword, true, false},
		{"wrong password", enc, goodPassword + "!", false, false},
		{"weaker argon2id", mustHashWith(t, "argon2id", goodPassword), goodPassword, true, true},
		{"bcrypt", mustHashWith(t, "bcrypt", goodPassword), goodPassword, true, true},
		{"unusable hash", "!", goodPassword, false, false},
		{"empty hash", "", "", false, false},
	}
	for _, c := range cases {
		ok, rehash, err := h.Verify(ctx, c.encoded, c.pw)
		if err != nil || ok != c.ok || (c.ok && rehash != c.rehash) {
			t.Errorf("%s: ok=%v rehash=%v err=%v", c.name, ok, rehash, err)
		}
	}
}

func mustHashWith(t *testing.T, algo, pw string) string {
	t.Helper()
	h, err := newHasher(algo, cheapArgon, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestHashPoolBounded: with one slot, a second hash waits, and gives up
// with 503 when its request ends first.
func TestHashPoolBounded(t *testing.T) {
	t.Parallel()
	h, err := newHasher("argon2id", cheapArgon, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, goodPassword); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("hash with a full pool = %v, want Unavailable", err)
	}
	h.release(time.Now())
	if _, err := h.Hash(context.Background(), goodPassword); err != nil {
		t.Fatal(err)
	}
}

// TestBcryptConfigured: with bcrypt, passwords over 72 bytes are refused at
// signup and fail at login, never silently truncated.
func TestBcryptConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.PasswordHash = "bcrypt" })
	long := strings.Repeat("ß", 40) // 40 characters, 80 bytes
	r := e.c.Send(http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"email": uniqueEmail("bc"), "password": long})
	p := testkit.WantProblem(t, r, http.StatusBadRequest, "validation")
	if errs, _ := p["errors"].(map[string]any); errs["password"] != "must be at most 72 bytes" {
		t.Fatalf("problem = %v", p)
	}
	email := uniqueEmail("bc")
	e.signup(email)
	var stored string
	if err := e.pool.QueryRow(t.Context(), `SELECT password_hash FROM users WHERE email = $1`, email).Scan(&stored); err != nil || !strings.HasPrefix(stored, "$2a$04$") {
		t.Fatalf("stored = %.10s, %v", stored, err)
	}
	testkit.WantStatus(t, e.login(email, goodPassword), http.StatusOK)
	// The first 72 bytes right, then more: refused (bcrypt would truncate).
	testkit.WantProblem(t, e.login(email, goodPassword+strings.Repeat("x", 60)), http.StatusUnauthorized, "invalid-credentials")
}
