package auth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestBadInput: every malformed request to the auth endpoints is a clear
// 4xx problem, and nothing is stored.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	existing := uniqueEmail("existing")
	e.signup(existing)
	users, sessions := e.count(`SELECT count(*) FROM users`), e.count(`SELECT count(*) FROM sessions`)

	huge := `{"email":"a@example.com","password":"` + strings.Repeat("p", 17<<10) + `"}`
	signup := "/api/v1/auth/signup"
	login := "/api/v1/auth/login"
	refresh := "/api/v1/auth/refresh"
	cases := []struct {
		name   string
		path   string
		body   any
		ctype  string
		status int
		slug   string
	}{
		{"oversized body", signup, huge, "", 413, "too-large"},
		{"oversized login", login, huge, "", 413, "too-large"},
		{"oversized refresh", refresh, `{"refresh_token":"` + strings.Repeat("r", 17<<10) + `"}`, "", 413, "too-large"},
		{"form content type", signup, `email=a@example.com`, "application/x-www-form-urlencoded", 415, "unsupported-media-type"},
		{"text content type", login, `{"email":"a@example.com","password":"x"}`, "text/plain", 415, "unsupported-media-type"},
		{"latin-1 charset", login, `{"email":"a@example.com","password":"x"}`, "application/json; charset=iso-8859-1", 415, "unsupported-media-type"},
		{"empty body", signup, ``, "", 400, "malformed-json"},
		{"not JSON", login, `{"email":`, "", 400, "malformed-json"},
		{"array", login, `[]`, "", 400, "malformed-json"},
		{"two values", login, `{"email":"a@example.com","password":"p"}{}`, "", 400, "malformed-json"},
		{"unknown field role", signup, map[string]string{"email": uniqueEmail("role"), "password": goodPassword, "role": "admin"}, "", 400, "validation"},
		{"unknown field in login", login, map[string]any{"email": existing, "password": goodPassword, "admin": true}, "", 400, "validation"},
		{"wrong type", signup, map[string]any{"email": 42, "password": goodPassword}, "", 400, "validation"},
		{"invalid UTF-8", signup, []byte("{\"email\":\"a\xff@example.com\",\"password\":\"" + goodPassword + "\"}"), "", 400, "malformed-json"},
		{"NUL in email", signup, map[string]string{"email": "a\x00b@example.com", "password": goodPassword}, "", 400, "validation"},
		{"newline in email", signup, map[string]string{"email": "a\nb@example.com", "password": goodPassword}, "", 400, "validation"},
		{"zero-width space", signup, map[string]string{"email": "ex\u200Bisting@example.com", "password": goodPassword}, "", 400, "validation"},
		{"bidi override", signup, map[string]string{"email": "\u202Emoc.elpmaxe@a", "password": goodPassword}, "", 400, "validation"},
		{"BOM", signup, map[string]string{"email": "\uFEFFa@example.com", "password": goodPassword}, "", 400, "validation"},
		{"overlong email", signup, map[string]string{"email": strings.Repeat("a", 250) + "@example.com", "password": goodPassword}, "", 400, "validation"},
		{"overlong login email", login, map[string]string{"email": strings.Repeat("a", 250) + "@example.com", "password": goodPassword}, "", 400, "validation"},
		{"no at sign", signup, map[string]string{"email": "example.com", "password": goodPassword}, "", 400, "validation"},
		{"SQL in email", signup, map[string]string{"email": "' OR 1=1; DROP TABLE users; --@example.com", "password": goodPassword}, "", 400, "validation"},
		{"SQL in short password", signup, map[string]string{"email": uniqueEmail("sql"), "password": "';DROP--"}, "", 400, "validation"},
		{"SQL in login", login, map[string]string{"email": "x' OR '1'='1@example.com", "password": "' OR '1'='1"}, "", 401, "invalid-credentials"},
		{"SQL in login password", login, map[string]string{"email": existing, "password": "' OR 1=1 --"}, "", 401, "invalid-credentials"},
		{"control char in name", signup, map[string]string{"email": uniqueEmail("ctl"), "password": goodPassword, "full_name": "Ada\x07"}, "", 400, "validation"},
		{"name too long", signup, map[string]string{"email": uniqueEmail("long"), "password": goodPassword, "full_name": strings.Repeat("é", 201)}, "", 400, "validation"},
		{"password too short", signup, map[string]string{"email": uniqueEmail("short"), "password": "elevenchars"}, "", 400, "validation"},
		{"password 129 chars", signup, map[string]string{"email": uniqueEmail("long"), "password": strings.Repeat("ü", 129)}, "", 400, "validation"},
		{"login password 129 chars", login, map[string]string{"email": existing, "password": strings.Repeat("ü", 129)}, "", 400, "validation"},
		{"common password", signup, map[string]string{"email": uniqueEmail("common"), "password": "Password1234"}, "", 400, "validation"},
		{"password holds email", signup, map[string]string{"email": "margaret.hamilton@example.com", "password": "Margaret.Hamilton-2024"}, "", 400, "validation"},
		{"password with control", signup, map[string]string{"email": uniqueEmail("ctl"), "password": goodPassword + "\x1b"}, "", 400, "validation"},
		{"missing password", signup, map[string]string{"email": uniqueEmail("nopw")}, "", 400, "validation"},
		{"missing email", login, map[string]string{"password": goodPassword}, "", 400, "validation"},
		{"malformed refresh token", refresh, map[string]string{"refresh_token": "rt_' OR 1=1 --"}, "", 401, "unauthenticated"},
		{"unknown refresh token", refresh, map[string]string{"refresh_token": "rt_" + strings.Repeat("A", 43)}, "", 401, "unauthenticated"},
		{"refresh unknown field", refresh, map[string]string{"refresh_token": "x", "user_id": "y"}, "", 400, "validation"},
	}
	for _, c := range cases {
		req := testkit.Request{Method: http.MethodPost, Path: c.path, Body: c.body}
		if c.ctype != "" {
			req.Header = http.Header{"Content-Type": {c.ctype}}
		}
		if c.body == "" {
			req.Body = nil
			req.Header = http.Header{"Content-Type": {"application/json"}}
			if c.path == signup {
				req.Body = " "
			}
		}
		r := e.c.Do(req)
		if r.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.StatusCode, c.status, r.Body)
			continue
		}
		testkit.WantProblem(t, r, c.status, c.slug)
	}
	if u, s := e.count(`SELECT count(*) FROM users`), e.count(`SELECT count(*) FROM sessions`); u != users || s != sessions {
		t.Fatalf("bad input stored rows: users %d→%d, sessions %d→%d", users, u, sessions, s)
	}
	// A valid address that looks like SQL is just data.
	sqlish := e.signup("o'brien'or'1'='1'--@example.com")
	var stored string
	if err := e.pool.QueryRow(t.Context(), `SELECT email FROM users WHERE id = $1`, sqlish.User.ID).Scan(&stored); err != nil || stored != "o'brien'or'1'='1'--@example.com" {
		t.Fatalf("stored %q, %v", stored, err)
	}
	testkit.WantStatus(t, e.login("O'Brien'OR'1'='1'--@example.com", goodPassword), http.StatusOK)

	// Nothing secret reached the audit trail.
	if n := e.count(`SELECT count(*) FROM auth_events WHERE detail LIKE '%' || $1 || '%' OR detail LIKE '%OR 1=1%' OR user_agent LIKE '%rt\_%'`, goodPassword); n != 0 {
		t.Fatalf("%d audit rows hold secrets", n)
	}
}

func TestCanonicalEmail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, canonical string
		ok            bool
	}{
		{"Ada@Example.COM", "ada@example.com", true},
		{"  ada@example.com\t", "ada@example.com", true},
		{"\uFF41da@example.com", "ada@example.com", true},                // fullwidth a (NFKC)
		{"STRASSE@example.com", "strasse@example.com", true},             // case fold
		{"straße@Bücher.example", "strasse@xn--bcher-kva.example", true}, // fold ß, punycode domain
		{"a.b+tag@example.com", "a.b+tag@example.com", true},             // no provider folding
		{"a@b", "", false},
		{"a b@example.com", "", false},
		{"a@@example.com", "", false},
		{".a@example.com", "", false},
		{"a\u200D@example.com", "", false},
		{"a\u2066@example.com", "", false},
		{"a\uFE0F@example.com", "", false},
		{"a@exa_mple.com", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		_, got, problem := canonicalEmail(c.in)
		if (problem == "") != c.ok || got != c.canonical {
			t.Errorf("canonicalEmail(%q) = %q, %q; want %q ok=%v", c.in, got, problem, c.canonical, c.ok)
		}
	}
}
