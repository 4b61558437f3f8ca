package auth

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestSignupLoginMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("Ada")
	resp := e.c.Send(http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"email": "  " + email + " ", "password": goodPassword, "full_name": "Ada Lovelace"})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var tr tokenResponse
	resp.JSON(t, &tr)
	if tr.TokenType != "Bearer" || tr.ExpiresIn != 900 || !strings.HasPrefix(tr.RefreshToken, "rt_") || len(tr.RefreshToken) != refreshLen {
		t.Fatalf("token response = %+v", tr)
	}
	if tr.User.Email != email || tr.User.FullName != "Ada Lovelace" || tr.User.CreatedAt.Location() != time.UTC {
		t.Fatalf("user = %+v", tr.User)
	}
	if !bytes.Contains(resp.Body, []byte(`"created_at":"`)) || !bytes.Contains(resp.Body, []byte(`Z"`)) {
		t.Fatalf("created_at is not RFC 3339 UTC: %s", resp.Body)
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=" + tr.RefreshToken, "Path=/api/v1/auth", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age="} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(strings.ToLower(cookie), "domain=") {
		t.Fatalf("cookie has a Domain: %q", cookie)
	}

	me := e.c.Get("/api/v1/auth/me", tr.AccessToken)
	testkit.WantStatus(t, me, http.StatusOK)
	var u userResponse
	me.JSON(t, &u)
	if u.ID != tr.User.ID || u.Email != email {
		t.Fatalf("me = %+v", u)
	}

	// Login is case- and width-insensitive on the email.
	lr := e.login(strings.ToUpper(email), goodPassword)
	testkit.WantStatus(t, lr, http.StatusOK)
	var tr2 tokenResponse
	lr.JSON(t, &tr2)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", tr2.AccessToken), http.StatusOK)

	testkit.WantProblem(t, e.c.Get("/api/v1/auth/me", ""), http.StatusUnauthorized, "unauthenticated")
	if n := e.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind IN ('signup', 'login_succeeded')`, tr.User.ID); n != 2 {
		t.Fatalf("audit events = %d, want 2", n)
	}
}

func TestSignupEmailTaken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("grace")
	e.signup(email)
	for _, variant := range []string{email, strings.ToUpper(email), "\uFF47" + email[1:]} { // fullwidth g folds by NFKC
		resp := e.c.Send(http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"email": variant, "password": goodPassword})
		testkit.WantProblem(t, resp, http.StatusConflict, "conflict")
	}
	if n := e.count(`SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("users = %d, want 1", n)
	}
}

// TestLoginIndistinguishable: unknown email and wrong password give the same
// status, body and headers, and both run the hasher exactly once.
func TestLoginIndistinguishable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("turing")
	e.signup(email)

	before := e.m.svc.hash.calls.Load()
	unknown := e.login(uniqueEmail("nobody"), goodPassword)
	mid := e.m.svc.hash.calls.Load()
	wrong := e.login(email, goodPassword+"x")
	after := e.m.svc.hash.calls.Load()
	if mid-before != 1 || after-mid != 1 {
		t.Fatalf("hasher calls: unknown email %d, wrong password %d; want 1 each", mid-before, after-mid)
	}
	pu := testkit.WantProblem(t, unknown, http.StatusUnauthorized, "invalid-credentials")
	pw := testkit.WantProblem(t, wrong, http.StatusUnauthorized, "invalid-credentials")
	delete(pu, "request_id")
	delete(pw, "request_id")
	if len(pu) != len(pw) || pu["detail"] != pw["detail"] || pu["title"] != pw["title"] || pu["instance"] != pw["instance"] {
		t.Fatalf("bodies differ:\n%v\n%v", pu, pw)
	}
	for _, h := range []http.Header{unknown.Header, wrong.Header} {
		h.Del("X-Request-Id")
		h.Del("Date")
	}
	if len(unknown.Header) != len(wrong.Header) {
		t.Fatalf("headers differ:\n%v\n%v", unknown.Header, wrong.Header)
	}
	for k := range unknown.Header {
		if unknown.Header.Get(k) != wrong.Header.Get(k) {
			t.Fatalf("header %s: %q vs %q", k, unknown.Header.Get(k), wrong.Header.Get(k))
		}
	}
	// Both failures are audited, the known account by id, without secrets.
	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'login_failed' AND user_id IS NULL AND email_canonical LIKE 'nobody.%'`); n != 1 {
		t.Fatalf("login_failed for the unknown email = %d", n)
	}
	if n := e.count(`SELECT count(*) FROM auth_events e JOIN users u ON u.id = e.user_id WHERE e.kind = 'login_failed' AND u.email = $1`, email); n != 1 {
		t.Fatalf("login_failed for the account = %d", n)
	}
	if n := e.count(`SELECT count(*) FROM auth_events WHERE detail LIKE '%' || $1 || '%'`, goodPassword); n != 0 {
		t.Fatal("a password reached the audit trail")
	}
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("noether")
	s1 := e.signup(email)
	var s2 tokenResponse
	e.login(email, goodPassword).JSON(t, &s2)
	const newPassword = "quiet-meadow-copper-977"

	cases := []struct {
		name string
		body any
		want int
		slug string
	}{
		{"wrong current", map[string]string{"current_password": "not-my-password-at-all", "new_password": newPassword}, 400, "validation"},
		{"too short", map[string]string{"current_password": goodPassword, "new_password": "short"}, 400, "validation"},
		{"common", map[string]string{"current_password": goodPassword, "new_password": "Password1234"}, 400, "validation"},
		{"unknown field", map[string]any{"current_password": goodPassword, "new_password": newPassword, "user_id": "x"}, 400, "validation"},
	}
	for _, c := range cases {
		testkit.WantProblem(t, e.c.Send(http.MethodPost, "/api/v1/auth/password", s1.AccessToken, c.body), c.want, c.slug)
	}
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s2.AccessToken), http.StatusOK)

	r := e.c.Send(http.MethodPost, "/api/v1/auth/password", s1.AccessToken, map[string]string{"current_password": goodPassword, "new_password": newPassword})
	testkit.WantStatus(t, r, http.StatusNoContent)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s1.AccessToken), http.StatusOK)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s2.AccessToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.refreshBody(s2.RefreshToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.refreshBody(s1.RefreshToken), http.StatusOK)
	testkit.WantProblem(t, e.login(email, goodPassword), http.StatusUnauthorized, "invalid-credentials")
	testkit.WantStatus(t, e.login(email, newPassword), http.StatusOK)
	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'password_changed' AND user_id = $1`, s1.User.ID); n != 1 {
		t.Fatalf("password_changed events = %d", n)
	}
}

// TestRehashOnLogin: a bcrypt hash (the seed's) is accepted and upgraded to
// argon2id at the next successful login.
func TestRehashOnLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("knuth")
	bc, err := bcrypt.GenerateFromPassword([]byte(goodPassword), 4)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	if _, err := e.pool.Exec(t.Context(), `INSERT INTO users (id, email, email_canonical, password_hash) VALUES ($1, $2, $2, $3)`, id, email, string(bc)); err != nil {
		t.Fatal(err)
	}
	testkit.WantProblem(t, e.login(email, "wrong-password-for-knuth"), http.StatusUnauthorized, "invalid-credentials")
	hashOf := func() string {
		var h string
		if err := e.pool.QueryRow(t.Context(), `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	if !strings.HasPrefix(hashOf(), "$2") {
		t.Fatal("a failed login rehashed")
	}
	testkit.WantStatus(t, e.login(email, goodPassword), http.StatusOK)
	if h := hashOf(); !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash after login = %.30s…, want argon2id", h)
	}
	testkit.WantStatus(t, e.login(email, goodPassword), http.StatusOK)
	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'password_rehashed' AND user_id = $1`, id); n != 1 {
		t.Fatalf("password_rehashed events = %d, want 1", n)
	}
}

// TestDisabledUser: a disabled account's tokens stop at once, and it cannot
// log in (with the same answer as a wrong password).
func TestDisabledUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := uniqueEmail("babbage")
	s := e.signup(email)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s.AccessToken), http.StatusOK)
	if err := e.m.DisableUser(context.Background(), s.User.ID); err != nil {
		t.Fatal(err)
	}
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s.AccessToken), http.StatusUnauthorized)
	testkit.WantProblem(t, e.login(email, goodPassword), http.StatusUnauthorized, "invalid-credentials")
	testkit.WantStatus(t, e.refreshBody(s.RefreshToken), http.StatusUnauthorized)

	// Disabled directly in SQL (no denylist entry): the database check finds
	// it once the short positive cache has gone.
	s2 := e.signup(uniqueEmail("lovelace"))
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s2.AccessToken), http.StatusOK)
	if _, err := e.pool.Exec(t.Context(), `UPDATE users SET deleted_at = now() WHERE id = $1`, s2.User.ID); err != nil {
		t.Fatal(err)
	}
	e.rdb.Del(t.Context(), e.keys.Key("sess_ok", s2.sessionIDFromDB(t, e).String()))
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s2.AccessToken), http.StatusUnauthorized)
}
