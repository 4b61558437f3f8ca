package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

func TestUserDirectory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.signup("Ada.Directory@Example.com")
	b := e.signup(uniqueEmail("bob"))
	c := e.signup(uniqueEmail("carol"))
	if err := e.m.DisableUser(ctx, c.User.ID); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		email string
		want  uuid.UUID
		kind  apperr.Kind
	}{
		{"as typed", "Ada.Directory@Example.com", a.User.ID, 0},
		{"other case and spaces", "  ada.directory@EXAMPLE.COM ", a.User.ID, 0},
		{"fullwidth letters", "\uFF41da.directory@example.com", a.User.ID, 0},
		{"unknown", "nobody@example.com", uuid.Nil, apperr.NotFound},
		{"disabled", c.User.Email, uuid.Nil, apperr.NotFound},
		{"malformed", "not an email", uuid.Nil, apperr.Invalid},
	}
	for _, tc := range cases {
		p, err := e.m.LookupEmail(ctx, tc.email)
		if tc.want != uuid.Nil {
			if err != nil || p.ID != tc.want || p.Email != "Ada.Directory@Example.com" || p.FullName != "Ada Lovelace" {
				t.Errorf("%s: %+v, %v", tc.name, p, err)
			}
			continue
		}
		if !apperr.Is(err, tc.kind) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.kind)
		}
	}

	got, err := e.m.Profiles(ctx, []uuid.UUID{a.User.ID, b.User.ID, c.User.ID, uuid.New()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[a.User.ID].Email != a.User.Email || got[b.User.ID].ID != b.User.ID {
		t.Fatalf("profiles = %+v", got)
	}
	if empty, err := e.m.Profiles(ctx, nil); err != nil || len(empty) != 0 {
		t.Fatalf("profiles(nil) = %v, %v", empty, err)
	}
}

// TestRedisDown: with Redis unreachable, signed-in users keep working
// (verification falls back to the database, so revoked sessions stay
// refused) and sign-in fails closed with 503 and Retry-After.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	live := e.signup(uniqueEmail("steady"))
	gone := e.signup(uniqueEmail("gone"))
	testkit.WantStatus(t, e.c.Send(http.MethodPost, "/api/v1/auth/logout", gone.AccessToken, nil), http.StatusNoContent)

	dead := redis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	secret := []byte(strings.Repeat("s", 32))
	m, err := New(Deps{
		Log: testkit.Logger(t), DB: e.pool, Redis: dead, Keys: e.keys, Cursors: page.NewCodec(secret), Secret: secret,
		SigningKeys: []token.Key{e.key}, Issuer: testIssuer, Audience: testAudience, Options: Options{Argon2: &cheapArgon},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.Server(t, server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{m}, Verifier: m.Verifier()}))

	testkit.WantStatus(t, c.Get("/api/v1/auth/me", live.AccessToken), http.StatusOK)
	testkit.WantStatus(t, c.Get("/api/v1/auth/me", gone.AccessToken), http.StatusUnauthorized)
	calls := m.svc.hash.calls.Load()
	// 503 with a retry hint, for every call that needs the rate limits.
	for _, r := range []*testkit.Response{
		c.Send(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": live.User.Email, "password": goodPassword}),
		c.Send(http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"email": uniqueEmail("new"), "password": goodPassword}),
		c.Send(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": live.RefreshToken}),
		c.Send(http.MethodPost, "/api/v1/auth/password", live.AccessToken, map[string]string{"current_password": goodPassword, "new_password": "another-lantern-harbour-7"}),
	} {
		testkit.WantProblem(t, r, http.StatusServiceUnavailable, "unavailable")
		if got := r.Header.Get("Retry-After"); got != "1" {
			t.Errorf("%s: Retry-After = %q, want 1", r.Request.URL.Path, got)
		}
	}
	if m.svc.hash.calls.Load() != calls {
		t.Fatal("the hasher ran without rate limiting")
	}
	// Logout still revokes in the database, and the token stops working.
	testkit.WantStatus(t, c.Send(http.MethodPost, "/api/v1/auth/logout", live.AccessToken, nil), http.StatusNoContent)
	testkit.WantStatus(t, c.Get("/api/v1/auth/me", live.AccessToken), http.StatusUnauthorized)
}
