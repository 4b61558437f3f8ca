package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestHasherDefaults runs the real OWASP parameters once.
func TestHasherDefaults(t *testing.T) {
	t.Parallel()
	h, err := newHasher("argon2id", OWASPArgon2, BcryptCost, 0, 1)
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
	h, err := newHasher(algo, cheapArgon, 4, 1, 1)
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
	h, err := newHasher("argon2id", cheapArgon, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, goodPassword); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("hash with a full pool = %v, want Unavailable", err)
	}
	h.release(m)
	if _, err := h.Hash(context.Background(), goodPassword); err != nil {
		t.Fatal(err)
	}
}

// TestHashAbandonedWithItsRequest: a request that ends during a hash stops
// it (no CPU spent for nobody) and gets 503; the slot is free again.
func TestHashAbandonedWithItsRequest(t *testing.T) {
	t.Parallel()
	h, err := newHasher("argon2id", OWASPArgon2, 4, 1, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(5*time.Millisecond, cancel)
	// The slot was free, so only the pacing hook seeing the cancelled
	// request mid-hash can make this fail.
	if _, err := h.Hash(ctx, goodPassword); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("hash whose request ended = %v, want Unavailable", err)
	}
	if _, err := h.Hash(context.Background(), goodPassword); err != nil {
		t.Fatalf("slot not returned: %v", err)
	}
}

// TestArgon2InteroperatesWithXCrypto: hashes stored before the paced
// implementation (x/crypto) verify, and ours verify with x/crypto, so a
// rollback or another tool reads them too.
func TestArgon2InteroperatesWithXCrypto(t *testing.T) {
	t.Parallel()
	p := Argon2Params{Memory: 256, Time: 2, Threads: 1}
	h, err := newHasher("argon2id", p, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(goodPassword), salt, p.Time, p.Memory, p.Threads, 32)
	old := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	if ok, rehash, err := h.Verify(context.Background(), old, goodPassword); !ok || rehash || err != nil {
		t.Fatalf("x/crypto hash: ok %v rehash %v err %v", ok, rehash, err)
	}
	ours, err := h.Hash(context.Background(), goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(ours, "$")
	s, _ := base64.RawStdEncoding.DecodeString(parts[4])
	k, _ := base64.RawStdEncoding.DecodeString(parts[5])
	if !bytes.Equal(argon2.IDKey([]byte(goodPassword), s, p.Time, p.Memory, p.Threads, 32), k) {
		t.Fatal("our hash does not verify with x/crypto")
	}
}

// TestHashReusesItsMemory: after the first hash a slot allocates almost
// nothing, where a fresh argon2id buffer is 19 MiB per login (and a garbage
// collection every few logins).
func TestHashReusesItsMemory(t *testing.T) {
	h, err := newHasher("argon2id", OWASPArgon2, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The first hash allocates the slot's area.
	if _, err := h.Hash(context.Background(), goodPassword); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 3 {
		if _, err := h.Hash(context.Background(), goodPassword); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("three hashes allocated %d bytes, want well under one work area (19 MiB)", got)
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

// TestStoredHashBounds: a damaged stored hash asking for gigabytes or
// thousands of passes is an error, not a pool slot holding that memory.
func TestStoredHashBounds(t *testing.T) {
	t.Parallel()
	h, err := newHasher("argon2id", cheapArgon, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	for _, params := range []string{"m=4194304,t=2,p=1", "m=64,t=100000,p=1"} {
		enc := "$argon2id$v=19$" + params + "$" + salt + "$" + key
		if ok, _, err := h.Verify(context.Background(), enc, goodPassword); ok || err == nil {
			t.Errorf("%s: ok %v err %v, want an error", params, ok, err)
		}
	}
}
