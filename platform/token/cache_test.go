package token

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestVerifierCache: a remembered token still expires on time, a changed
// token is verified from scratch, and the cache stays bounded.
func TestVerifierCache(t *testing.T) {
	t.Parallel()
	k, _ := GenerateKey()
	iss, _ := NewIssuer(k, "iss", "aud")
	set, _ := PublicSet(k)
	var offset atomic.Int64
	v := NewVerifier(set, "iss", "aud").WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }).WithCache(16)
	ctx := context.Background()
	raw, _, _ := iss.Issue(uuid.New(), uuid.New())

	cases := []struct {
		name   string
		token  string
		offset time.Duration
		ok     bool
	}{
		{"first verification", raw, 0, true},
		{"cache hit", raw, 0, true},
		{"cache hit within skew after expiry", raw, Lifetime + Skew/2, true},
		{"cache hit after expiry and skew", raw, Lifetime + Skew + time.Second, false},
		{"changed signature", flipChar(raw, len(raw)-10), 0, false},
		{"before not-before", raw, -time.Minute, false},
	}
	for _, c := range cases {
		offset.Store(int64(c.offset))
		_, err := v.Verify(ctx, c.token)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	offset.Store(0)
	for range 100 {
		tok, _, _ := iss.Issue(uuid.New(), uuid.New())
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.cache.entries); n > 16 {
		t.Fatalf("cache holds %d entries, max 16", n)
	}
}

// flipChar returns s with the base64url character at i replaced by a
// different one (always a real change, unlike overwriting with a constant).
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// TestVerifierCacheGrowsWithUse: a cache for many tokens costs nothing
// until tokens arrive (it used to reserve its whole map at start: 4.6 MiB
// for the server's 20,000 in every process).
func TestVerifierCacheGrowsWithUse(t *testing.T) {
	v := NewVerifier(nil, "iss", "aud")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := v.WithCache(20000)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
		t.Fatalf("WithCache(20000) allocated %d bytes before any token", got)
	}
	runtime.KeepAlive(c)
}
