package token

import (
	"sync"
	"time"
)

// verifiedCache remembers tokens whose signature and claims were verified,
// keyed by the exact compact string. Any change to a token, even a
// re-encoding of the same claims, is a different key and is verified from
// scratch; only the time window is re-checked on a hit. Revocation is not
// the cache's business: callers check the denylist on every request.
type verifiedCache struct {
	mu      sync.RWMutex
	max     int
	entries map[string]cached
}

type cached struct {
	claims    Claims
	notBefore time.Time
}

func (c *verifiedCache) get(raw string) (cached, bool) {
	c.mu.RLock()
	e, ok := c.entries[raw]
	c.mu.RUnlock()
	return e, ok
}

func (c *verifiedCache) put(raw string, e cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Evict an arbitrary eighth: cheap, and a miss only costs one
		// full verification.
		n := c.max / 8
		for k := range c.entries {
			if n <= 0 {
				break
			}
			delete(c.entries, k)
			n--
		}
	}
	c.entries[raw] = e
}

// WithCache returns a copy of v that skips the signature check for tokens
// it verified before (at most n of them are remembered). Verifying an
// Ed25519 signature costs ~50-120 µs, and a client sends the same access
// token on every request for 15 minutes.
func (v *Verifier) WithCache(n int) *Verifier {
	c := *v
	// The map grows with use: sized for n up front, it would hold a few
	// MiB in every process from the start, most of them never used.
	c.cache = &verifiedCache{max: max(n, 8), entries: map[string]cached{}}
	return &c
}

// cachedVerify answers from the cache, re-checking the time window.
func (v *Verifier) cachedVerify(raw string) (Claims, bool, error) {
	if v.cache == nil {
		return Claims{}, false, nil
	}
	e, ok := v.cache.get(raw)
	if !ok {
		return Claims{}, false, nil
	}
	now := v.now()
	if now.After(e.claims.Expiry.Add(Skew)) || now.Add(Skew).Before(e.notBefore) {
		return Claims{}, true, ErrInvalid
	}
	return e.claims, true, nil
}
