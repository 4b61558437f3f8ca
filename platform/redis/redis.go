// Package redis opens the go-redis client and builds namespaced keys. Every
// key the application uses goes through Keys, so one Redis can serve several
// deployments (and every test) without collisions.
package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
)

// Client is the go-redis client type modules receive.
type Client = goredis.Client

// Nil is returned by reads of a missing key.
const Nil = goredis.Nil

// Open connects to url and checks it answers, so a bad URL or an
// unreachable server fails at start.
func Open(ctx context.Context, url string) (*Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse Redis URL: %w", err)
	}
	opts.DialTimeout = 2 * time.Second
	opts.ReadTimeout = 2 * time.Second
	opts.WriteTimeout = 2 * time.Second
	c := goredis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pingCtx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to Redis at %s: %w", opts.Addr, err)
	}
	return c, nil
}

// Embedded is an in-process Redis-protocol server for local work and tests.
type Embedded struct {
	srv *miniredis.Miniredis
}

// StartEmbedded starts the in-process server on a free loopback port.
func StartEmbedded() (*Embedded, error) {
	srv := miniredis.NewMiniRedis()
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start in-process Redis: %w", err)
	}
	return &Embedded{srv: srv}, nil
}

// URL is the redis:// URL of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.srv.Addr() + "/0" }

// Close stops the server.
func (e *Embedded) Close() { e.srv.Close() }

// Keys builds keys under one prefix, e.g. "thebrain:" + "deny:sid:<id>".
type Keys struct {
	prefix string
}

// NewKeys returns a key builder for prefix ("" is allowed).
func NewKeys(prefix string) Keys { return Keys{prefix: prefix} }

// Prefix is the namespace every key starts with.
func (k Keys) Prefix() string { return k.prefix }

// Key joins parts with ":" under the prefix.
func (k Keys) Key(parts ...string) string {
	return k.prefix + strings.Join(parts, ":")
}
