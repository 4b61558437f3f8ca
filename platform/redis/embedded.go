package redis

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// ttlTick is how often the embedded server counts its TTLs down. Keys
// expire up to one tick late; nothing relies on expiry for a security
// decision (locks, grace replies and cached answers carry their own end).
const ttlTick = 250 * time.Millisecond

// Embedded is an in-process Redis-protocol server (miniredis) for local
// work and tests. Two things differ from a plain miniredis: TTLs run in
// real time (miniredis counts them down only when told to, so without the
// clock every key would live until restart), and clients must
// authenticate with a password generated at start (the server listens on
// loopback, where any local user could otherwise delete lock keys or
// publish on the denylist channel).
type Embedded struct {
	srv      *miniredis.Miniredis
	password string
	stop     chan struct{}
	done     chan struct{}
}

// StartEmbedded starts the in-process server on a free loopback port.
func StartEmbedded() (*Embedded, error) {
	var pw [32]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return nil, err
	}
	srv := miniredis.NewMiniRedis()
	e := &Embedded{srv: srv, password: hex.EncodeToString(pw[:]), stop: make(chan struct{}), done: make(chan struct{})}
	srv.RequireAuth(e.password)
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start in-process Redis: %w", err)
	}
	go e.runClock()
	return e, nil
}

// runClock advances the server's TTLs by the real time elapsed, every tick.
func (e *Embedded) runClock() {
	defer close(e.done)
	tick := time.NewTicker(ttlTick)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case <-tick.C:
			now := time.Now()
			e.srv.FastForward(now.Sub(last))
			last = now
		}
	}
}

// URL is the redis:// URL of the embedded server, password included.
func (e *Embedded) URL() string {
	u := url.URL{Scheme: "redis", User: url.UserPassword("", e.password), Host: e.srv.Addr(), Path: "/0"}
	return u.String()
}

// Close stops the server.
func (e *Embedded) Close() {
	close(e.stop)
	<-e.done
	e.srv.Close()
}
