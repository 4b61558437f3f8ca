// Package connlimit caps the connections a server holds at once, so that a
// flood of connections cannot use up the process's file descriptors: past
// that point accept fails with "too many open files", net/http backs off,
// and every new client (and every new database or Redis connection) stalls.
//
// At the cap a new connection takes the place of the one that has waited
// longest without a request in progress (a connection that has not sent
// complete request headers yet, or an idle keep-alive one): such a
// connection holds a descriptor and gives nothing back, and a real client
// sends its request at once, so it is the last to be displaced. Only when
// every connection is inside a request is the new one refused, with a
// small 503 written straight to the socket, before net/http sees it.
// Either way the work is a few microseconds per connection, and it is
// logged once when the cap is first reached and once when the flood is
// over, never per connection.
package connlimit

import (
	"container/list"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/thebrain/thebrain/platform/httpx"
)

// Limiter tracks the connections of one server. Wrap the listener with
// Listener and install ConnState as the http.Server's ConnState hook.
type Limiter struct {
	max int
	log *slog.Logger

	mu      sync.Mutex
	open    int
	waiting list.List // *conn without a request in progress, longest waiting first
	flood   *flood    // non-nil while the cap is (or was recently) reached
}

// flood counts what the cap did during one episode, for its closing log line.
type flood struct {
	start   time.Time
	evicted int
	refused int
}

// New returns a Limiter allowing n connections at once (at least 1).
func New(n int, logger *slog.Logger) *Limiter {
	return &Limiter{max: max(n, 1), log: logger}
}

// conn is an accepted connection the limiter counts until it is closed.
type conn struct {
	net.Conn
	l        *Limiter
	elem     *list.Element // in l.waiting, or nil
	released bool          // the slot was given up (closed or displaced)
}

// Close gives the slot back and closes the connection.
func (c *conn) Close() error {
	c.l.release(c)
	return c.Conn.Close()
}

// Listener returns ln with the cap applied to what it accepts.
func (l *Limiter) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, l: l} }

type listener struct {
	net.Listener
	l *Limiter
}

// Accept returns the next admitted connection. Refused ones are answered
// and closed here, so Accept keeps draining the kernel's backlog.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		nc, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c, displaced := ln.l.admit(nc)
		if displaced != nil {
			_ = displaced.Conn.Close() // net/http's reader fails and lets it go
		}
		if c != nil {
			return c, nil
		}
		refuse(nc)
	}
}

// admit counts nc in, displacing the longest-waiting connection when the
// cap is reached; it returns nil when every connection is busy.
func (l *Limiter) admit(nc net.Conn) (c, displaced *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max {
		front := l.waiting.Front()
		if front == nil {
			l.reached().refused++
			return nil, nil
		}
		displaced = l.waiting.Remove(front).(*conn)
		displaced.elem, displaced.released = nil, true
		l.open--
		l.reached().evicted++
	}
	c = &conn{Conn: nc, l: l}
	c.elem = l.waiting.PushBack(c) // no request yet
	l.open++
	return c, displaced
}

// reached starts a flood episode if none is running, logging it once.
// l.mu is held.
func (l *Limiter) reached() *flood {
	if l.flood == nil {
		l.flood = &flood{start: time.Now()}
		l.log.Warn("connection limit reached: closing connections that wait without a request, refusing the rest with 503 (logged once per flood)",
			slog.Int("max_conns", l.max))
	}
	return l.flood
}

// release gives c's slot back, once. l.mu must not be held.
func (l *Limiter) release(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.released {
		return
	}
	c.released = true
	if c.elem != nil {
		l.waiting.Remove(c.elem)
		c.elem = nil
	}
	l.open--
	// The flood is over once a quarter of the slots are free again; the
	// margin keeps a server hovering at the cap from logging on every
	// connection.
	if f := l.flood; f != nil && l.open <= l.max*3/4 {
		l.flood = nil
		l.log.Info("connection limit: flood over",
			slog.Int("max_conns", l.max), slog.Int("closed_waiting", f.evicted), slog.Int("refused", f.refused),
			slog.Duration("lasted", time.Since(f.start).Round(time.Millisecond)))
	}
}

// ConnState is the http.Server ConnState hook: it keeps the list of
// connections without a request in progress.
func (l *Limiter) ConnState(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	switch state {
	case http.StateActive, http.StateHijacked:
		l.mu.Lock()
		if c.elem != nil {
			l.waiting.Remove(c.elem)
			c.elem = nil
		}
		l.mu.Unlock()
	case http.StateIdle:
		l.mu.Lock()
		if !c.released && c.elem == nil {
			c.elem = l.waiting.PushBack(c)
		}
		l.mu.Unlock()
	case http.StateClosed:
		l.release(c)
	}
}

// refusal is the whole answer to a refused connection.
var refusal = func() []byte {
	body, _ := json.Marshal(httpx.Problem{
		Type: httpx.ProblemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
		Detail: "the server is at its connection limit; retry shortly",
	})
	return []byte("HTTP/1.1 503 Service Unavailable\r\n" +
		"Content-Type: application/problem+json\r\n" +
		"Retry-After: 1\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body))
}()

// refuse answers 503 and closes. The write goes to an empty socket buffer
// and does not block; the deadline is there in case it somehow would. A
// client whose request is still unread may see a reset instead of the 503.
func refuse(nc net.Conn) {
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = nc.Write(refusal)
	_ = nc.Close()
}

// ReserveFiles is what a derived cap leaves, beyond the database and Redis
// pools, for everything else that needs a descriptor: the listener, files,
// DNS lookups, the runtime's own (epoll, pipes, stdio) and pub/sub.
const ReserveFiles = 128

// minDerived is the smallest cap Derive returns: below it the file limit is
// too low to serve anyway, and the start-up log says so.
const minDerived = 16

// Derive is the default cap for a process allowed fileLimit open files, of
// which reserved are needed for other things than client connections.
func Derive(fileLimit uint64, reserved int) int {
	if fileLimit <= uint64(reserved+minDerived) {
		return minDerived
	}
	return int(fileLimit) - reserved
}
