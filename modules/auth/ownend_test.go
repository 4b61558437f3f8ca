package auth

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// The tests below move the module's clock past an end while the Redis key
// that carries it still exists (real Redis counts its TTL in real time,
// which the test does not wait for). That is what a Redis that never
// expires keys looks like, such as the embedded server before its TTLs ran
// in real time: the ends must hold in code.

// clockEnv is an env whose clock the test moves forward.
func clockEnv(t *testing.T, mutate ...func(*Options)) (*env, *atomic.Int64) {
	t.Helper()
	var offset atomic.Int64
	e := newEnv(t, append(mutate, func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})...)
	return e, &offset
}

// TestAccountLockHasItsOwnEnd: a locked account is free again when its
// lock ends, for login and for password change alike.
func TestAccountLockHasItsOwnEnd(t *testing.T) {
	t.Parallel()
	e, offset := clockEnv(t)
	email := uniqueEmail("locked-out")
	e.signup(email)
	canonical := mustCanonical(t, email)
	// Enough failures for the longest lock (15 minutes).
	for range 20 {
		if err := e.m.svc.limit.failed(t.Context(), canonical); err != nil {
			t.Fatal(err)
		}
	}
	if n := wantRetryAfter(t, e.login(email, goodPassword)); n < 10*60 {
		t.Fatalf("Retry-After = %d s, want the 15-minute lock", n)
	}
	offset.Store(int64(16 * time.Minute))
	r := e.login(email, goodPassword)
	testkit.WantStatus(t, r, http.StatusOK)
	var s tokenResponse
	r.JSON(t, &s)
	for range 20 {
		if err := e.m.svc.limit.failed(t.Context(), canonical); err != nil {
			t.Fatal(err)
		}
	}
	offset.Store(int64(32 * time.Minute))
	r = e.refreshBody(s.RefreshToken) // a fresh access token: the last one has expired
	testkit.WantStatus(t, r, http.StatusOK)
	r.JSON(t, &s)
	testkit.WantStatus(t, e.c.Send(http.MethodPost, "/api/v1/auth/password", s.AccessToken,
		map[string]string{"current_password": goodPassword, "new_password": "fresh-orchard-window-31"}), http.StatusNoContent)
}

// TestGraceReplyHasItsOwnEnd: the parent of a rotation replayed after the
// 10 s window is reuse, even while the grace reply is still in Redis: the
// session ends instead of handing out its live refresh token.
func TestGraceReplyHasItsOwnEnd(t *testing.T) {
	t.Parallel()
	e, offset := clockEnv(t)
	s := e.signup(uniqueEmail("late-tab"))
	var child tokenResponse
	r := e.refreshBody(s.RefreshToken)
	testkit.WantStatus(t, r, http.StatusOK)
	r.JSON(t, &child)
	if e.rdb.Exists(t.Context(), e.m.svc.graceKeyOf(mustHash(t, s.RefreshToken))).Val() != 1 {
		t.Fatal("no grace reply stored")
	}
	offset.Store(int64(refreshGrace + time.Second))
	testkit.WantProblem(t, e.refreshBody(s.RefreshToken), http.StatusUnauthorized, "unauthenticated")
	testkit.WantStatus(t, e.refreshBody(child.RefreshToken), http.StatusUnauthorized)
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", child.AccessToken), http.StatusUnauthorized)
}

// TestSessionAnswerHasItsOwnEnd: a cached "session is live" answer is
// trusted for 30 s of the clock, not for as long as Redis keeps the key. A
// session revoked behind the module's back (in SQL, no denylist entry) is
// refused once the answer has ended.
func TestSessionAnswerHasItsOwnEnd(t *testing.T) {
	t.Parallel()
	e, offset := clockEnv(t)
	s := e.signup(uniqueEmail("cached"))
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s.AccessToken), http.StatusOK)
	if _, err := e.pool.Exec(t.Context(), `UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, s.User.ID); err != nil {
		t.Fatal(err)
	}
	// The cached answer is what keeps the session working now.
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s.AccessToken), http.StatusOK)
	offset.Store(int64(31 * time.Second))
	testkit.WantStatus(t, e.c.Get("/api/v1/auth/me", s.AccessToken), http.StatusUnauthorized)
}
