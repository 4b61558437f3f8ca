package authn_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// follow starts d.Follow until the test ends and waits until it is live.
func follow(t *testing.T, d *authn.Denylist) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Follow(ctx, testkit.Logger(t)) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the copy to become live", d.Live)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func denied(t *testing.T, d *authn.Denylist, sid, uid uuid.UUID) bool {
	t.Helper()
	v, _, err := d.Denied(context.Background(), sid, uid)
	if err != nil {
		t.Fatalf("Denied: %v", err)
	}
	return v
}

// Two processes share one Redis: what one revokes, the other refuses from
// its own copy, and revocations made before a process started following
// are in its copy too.
func TestDenylistCopyAcrossProcesses(t *testing.T) {
	t.Parallel()
	rdb, keys := testkit.Redis(t)
	ctx := context.Background()
	a, b := authn.NewDenylist(rdb, keys), authn.NewDenylist(rdb, keys)
	early, user := uuid.New(), uuid.New()
	if err := a.DenySessions(ctx, early); err != nil {
		t.Fatal(err)
	}
	follow(t, a)
	follow(t, b)
	if !denied(t, b, early, user) {
		t.Fatal("a revocation made before following is missing from the copy")
	}

	sid, other := uuid.New(), uuid.New()
	if denied(t, a, sid, user) || denied(t, b, sid, user) {
		t.Fatal("a live session is denied")
	}
	if err := a.DenySessions(ctx, sid); err != nil {
		t.Fatal(err)
	}
	// The revoking process refuses at once; the other within a delivery.
	if !denied(t, a, sid, user) {
		t.Fatal("the revoking process still accepts the session")
	}
	waitFor(t, "the revocation to reach the other process", func() bool { return denied(t, b, sid, user) })
	if denied(t, b, other, user) {
		t.Fatal("an unrelated session of the same user is denied")
	}

	// Revoking the user covers every session of theirs, on both.
	if err := b.DenyUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the user revocation to reach the other process", func() bool { return denied(t, a, other, user) })
	if !denied(t, b, uuid.New(), user) || denied(t, b, uuid.New(), uuid.New()) {
		t.Fatal("user revocation applied to the wrong users")
	}

	// The copy answered: with Redis unreachable the answers stand.
	if !a.Live() || !b.Live() {
		t.Fatal("copies stopped being live")
	}
}

// redisVia opens a client whose connections go through a new proxy.
func redisVia(t *testing.T) (*redis.Client, *testkit.Proxy) {
	t.Helper()
	p := testkit.NewProxy(t, testkit.RedisURL(t))
	c, err := redis.Open(context.Background(), p.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, p
}

// A process whose subscription breaks stops trusting its copy at once,
// asks Redis meanwhile (and says when it cannot), and after reconnecting
// has every revocation it missed.
func TestDenylistCopyAfterLostConnection(t *testing.T) {
	t.Parallel()
	rdb, keys := testkit.Redis(t)
	ctx := context.Background()
	viaProxy, p := redisVia(t)
	a, b := authn.NewDenylist(rdb, keys), authn.NewDenylist(viaProxy, keys)
	follow(t, b)

	p.Cut()
	waitFor(t, "the broken subscription to be noticed", func() bool { return !b.Live() })
	missed, user := uuid.New(), uuid.New()
	if err := a.DenySessions(ctx, missed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Denied(ctx, missed, user); err == nil {
		t.Fatal("with neither a current copy nor Redis, Denied answered instead of failing")
	}

	p.Heal()
	waitFor(t, "the copy to be live again", b.Live)
	if !denied(t, b, missed, user) {
		t.Fatal("a revocation made while disconnected is missing after reconnecting")
	}
}

// A connection that stays open but carries nothing (a network dropping
// packets, a server that hangs) is noticed by the missing heartbeats.
func TestDenylistCopyNoticesSilence(t *testing.T) {
	t.Parallel()
	_, keys := testkit.Redis(t)
	viaProxy, p := redisVia(t)
	b := authn.NewDenylist(viaProxy, keys)
	follow(t, b)
	start := time.Now()
	p.Freeze()
	waitFor(t, "the silent subscription to be dropped", func() bool { return !b.Live() })
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("silence noticed after %s", d)
	}
	p.Cut()
	p.Heal()
	waitFor(t, "the copy to be live again", b.Live)
}
