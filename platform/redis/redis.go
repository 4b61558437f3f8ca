// Package redis opens the go-redis client and builds namespaced keys. Every
// key the application uses goes through Keys, so one Redis can serve several
// deployments (and every test) without collisions. Every client has a
// circuit breaker (breaker.go), so an unreachable or frozen Redis costs one
// failed command, not one per request.
package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Client is the go-redis client modules receive, with its circuit breaker.
// Every go-redis command method is available on it.
type Client struct {
	*goredis.Client
	breaker *breaker
}

// Nil is returned by reads of a missing key.
const Nil = goredis.Nil

// NewClient returns a client for opts with the circuit breaker installed. It
// does not connect; Open is what servers use.
func NewClient(opts *goredis.Options) *Client {
	c := &Client{Client: goredis.NewClient(opts)}
	c.breaker = newBreaker(c.Client)
	c.AddHook(c.breaker)
	return c
}

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
	setBuffers(opts)
	c := NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pingCtx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to Redis at %s: %w", opts.Addr, err)
	}
	return c, nil
}

// Connection buffers. go-redis gives every connection 32 KiB to read and 32
// KiB to write (128 KiB each on its pipeline connections): several MiB for
// the pools of a server, while what this application sends and reads back
// is small (counters, tokens, presence, document updates of a keystroke).
// A larger reply takes more than one read; nothing else changes.
const (
	bufferSize         = 8 << 10
	pipelineBufferSize = 32 << 10
)

func setBuffers(opts *goredis.Options) {
	if opts.ReadBufferSize == 0 {
		opts.ReadBufferSize = bufferSize
	}
	if opts.WriteBufferSize == 0 {
		opts.WriteBufferSize = bufferSize
	}
	if opts.PipelineReadBufferSize == 0 {
		opts.PipelineReadBufferSize = pipelineBufferSize
	}
	if opts.PipelineWriteBufferSize == 0 {
		opts.PipelineWriteBufferSize = pipelineBufferSize
	}
}

// SetLogger makes the breaker log when Redis becomes unavailable and when it
// answers again (nothing is logged by default).
func (c *Client) SetLogger(l *slog.Logger) { c.breaker.log.Store(l) }

// Available is false while the breaker is open: commands then fail at once
// with ErrUnavailable instead of waiting for Redis.
func (c *Client) Available() bool { return !c.breaker.open.Load() }

// Recovered returns a channel that is closed once Redis is available again
// (at once when it is available now).
func (c *Client) Recovered() <-chan struct{} { return c.breaker.recovered() }

// ReportFailure tells the breaker about a failure seen outside a command
// (a pub/sub connection that broke or went silent). Redis's own error
// answers and errors of a finished ctx are not failures and are ignored.
func (c *Client) ReportFailure(ctx context.Context, err error) { c.breaker.observe(ctx, err) }

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
