package auth

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestGraceReplyTampered: a damaged grace reply in Redis is never served;
// the replay then counts as reuse and ends the session (no 500).
func TestGraceReplyTampered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.signup(uniqueEmail("tamper"))
	var a tokenResponse
	e.refreshBody(s.RefreshToken).JSON(t, &a)
	key := e.m.svc.graceKeyOf(mustHash(t, s.RefreshToken))
	sealed, err := e.rdb.Get(t.Context(), key).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	sealed[len(sealed)-1] ^= 1
	e.rdb.Set(t.Context(), key, sealed, time.Minute)
	testkit.WantProblem(t, e.refreshBody(s.RefreshToken), http.StatusUnauthorized, "unauthenticated")
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", a.AccessToken), http.StatusUnauthorized)
}

// TestGraceReplyIsTheAnswer: the grace reply keeps the answer exactly as a
// native client got it (the token response's JSON, refresh token
// included), the format earlier versions stored and read: a process of the
// previous version can replay what this one stored during a deploy, and
// the other way round.
func TestGraceReplyIsTheAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.signup(uniqueEmail("format"))
	r := e.refreshBody(s.RefreshToken)
	testkit.WantStatus(t, r, http.StatusOK)
	sealed, err := e.rdb.Get(t.Context(), e.m.svc.graceKeyOf(mustHash(t, s.RefreshToken))).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.m.svc.open(sealed, mustHash(t, s.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Resp    map[string]any `json:"resp"`
		Expires time.Time      `json:"expires"`
		Session uuid.UUID      `json:"session"`
		Until   time.Time      `json:"until"`
	}
	if err := json.Unmarshal(plain, &stored); err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	r.JSON(t, &answer)
	if diff := cmp.Diff(answer, stored.Resp); diff != "" {
		t.Fatalf("stored reply differs from the answer (-answer +stored):\n%s", diff)
	}
	if stored.Session == uuid.Nil || stored.Expires.IsZero() || stored.Until.IsZero() {
		t.Fatalf("stored reply lacks its session or ends: %+v", stored)
	}
}
