package redis

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

func startEmbedded(t *testing.T) (*Embedded, *Client) {
	t.Helper()
	e, err := StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := Open(context.Background(), e.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return e, c
}

// TTLs of the embedded server run in real time: without that, miniredis
// keeps every key until restart (a login lock, a refresh grace reply, a
// cached "session is live" answer, and the memory they take).
func TestEmbeddedExpiresKeys(t *testing.T) {
	t.Parallel()
	_, c := startEmbedded(t)
	ctx := context.Background()
	if err := c.Set(ctx, "short", "v", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "long", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Exists(ctx, "short").Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("a key with a 300 ms TTL still exists after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c.Exists(ctx, "long").Val() != 1 {
		t.Fatal("a key with an hour to live is gone")
	}
	if ttl := c.PTTL(ctx, "long").Val(); ttl <= 0 || ttl >= time.Hour {
		t.Fatalf("PTTL of the long key = %s, want counting down from 1h", ttl)
	}
}

// The embedded server listens on loopback, where any local user could
// connect: it wants the password in its URL.
func TestEmbeddedRequiresPassword(t *testing.T) {
	t.Parallel()
	e, c := startEmbedded(t)
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("with the URL's password: %v", err)
	}
	host, pw := hostAndPassword(t, e.URL())
	if len(pw) < 32 {
		t.Fatalf("password %q is too short to be generated", pw)
	}
	anon := goredis.NewClient(&goredis.Options{Addr: host, MaxRetries: -1})
	defer anon.Close()
	err := anon.Set(context.Background(), "deny:x", "1", 0).Err()
	if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("a client without the password: err = %v, want NOAUTH", err)
	}
	other, _ := startEmbedded(t)
	if _, pw2 := hostAndPassword(t, other.URL()); pw2 == pw {
		t.Fatal("two servers share a password")
	}
}

func hostAndPassword(t *testing.T, raw string) (string, string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return u.Host, pw
}
