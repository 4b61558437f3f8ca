package collab

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// session is who a socket belongs to and what it may do, as established
// when it opened and confirmed at every recheck.
type session struct {
	userID    uuid.UUID
	sessionID uuid.UUID
	projectID uuid.UUID
	chapterID uuid.UUID
	// token is the access token the socket was opened with (directly or in
	// a ticket), kept to verify it again: a revoked session then ends the
	// socket. It is never logged.
	token   string
	expires time.Time
}

// conn is one client socket. Its reader is the HTTP handler's goroutine
// (readLoop); a second goroutine writes what the room queues (writeLoop).
// The room never waits for a client: it only appends to the send queue, and
// a client whose queue overflows is disconnected.
type conn struct {
	id   uint64
	hub  *hub
	ws   *websocket.Conn
	sess session
	room *room // set once joined; fixed for the connection's life

	writable atomic.Bool // owner or editor (updated by rechecks)
	q        sendQueue

	lastRead   atomic.Int64 // unix ns of the last frame from the client
	lastWrite  atomic.Int64 // unix ns of the last message written
	writeStart atomic.Int64 // unix ns a write began; 0 while none is under way
	pinging    atomic.Bool

	done      chan struct{} // closed by close: the writer stops
	closeOnce sync.Once
	code      atomic.Int32 // the close code sent, for logs and tests

	// Read by the reader goroutine only.
	bucket     tokenBucket
	deniedSent bool

	// aw are the awareness client ids this connection introduced and still
	// owns; guarded by room.mu.
	aw map[uint64]struct{}
}

func newConn(h *hub, ws *websocket.Conn, s session, writable bool) *conn {
	now := h.now()
	c := &conn{
		id: h.nextConnID.Add(1), hub: h, ws: ws, sess: s,
		done:   make(chan struct{}),
		bucket: tokenBucket{rate: h.limits.MessagesPerSecond, burst: h.limits.MessageBurst, tokens: h.limits.MessageBurst, last: now},
		aw:     map[uint64]struct{}{},
	}
	c.q.init()
	c.writable.Store(writable)
	c.lastRead.Store(now.UnixNano())
	c.lastWrite.Store(now.UnixNano())
	return c
}

// send queues one message. A client too slow to drain its queue is closed
// (1013): it reconnects and catches up through a sync, which costs less than
// holding everything it missed.
func (c *conn) send(msg []byte) {
	if !c.q.push(msg, c.hub.limits.SendQueueMessages, c.hub.limits.SendQueueBytes) {
		if c.close(closeTryLater, "too slow to keep up; reconnect") {
			c.hub.stats.slowClosed.Add(1)
		}
	}
}

// close sends a close frame with code and ends the socket, once; it
// reports whether this call was the one that closed it. It does not wait:
// the close handshake runs in the background, so a room or the hub can close
// a client without blocking on it.
func (c *conn) close(code websocket.StatusCode, reason string) bool {
	first := false
	c.closeOnce.Do(func() {
		first = true
		c.code.Store(int32(code))
		close(c.done)
		go func() { _ = c.ws.Close(code, reason) }()
	})
	return first
}

// writeLoop writes queued messages until the connection closes.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.done:
			return
		case <-c.q.wake:
		}
		batch := c.q.take()
		for _, msg := range coalesce(batch) {
			c.writeStart.Store(time.Now().UnixNano())
			err := c.ws.Write(context.Background(), websocket.MessageBinary, msg)
			c.writeStart.Store(0)
			if err != nil {
				c.close(websocket.StatusAbnormalClosure, "")
				return
			}
			c.lastWrite.Store(time.Now().UnixNano())
		}
		c.q.recycle(batch)
	}
}

var errTooLarge = errors.New("message too large")

// readMessage reads the next binary message, refusing text and anything over
// max bytes without reading it whole.
func (c *conn) readMessage(max int) ([]byte, error) {
	typ, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageBinary {
		return nil, errText
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if n > int64(max) {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

var errText = errors.New("text message")

// sendQueue is a connection's outbox: a slice behind a mutex and a wake-up
// channel, so an idle connection holds no buffer.
type sendQueue struct {
	mu    sync.Mutex
	msgs  [][]byte
	spare [][]byte
	bytes int
	wake  chan struct{}
}

func (q *sendQueue) init() { q.wake = make(chan struct{}, 1) }

func (q *sendQueue) push(msg []byte, maxMsgs, maxBytes int) bool {
	q.mu.Lock()
	if len(q.msgs) >= maxMsgs || q.bytes+len(msg) > maxBytes {
		q.mu.Unlock()
		return false
	}
	q.msgs = append(q.msgs, msg)
	q.bytes += len(msg)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns everything queued; the writer hands the slice back with
// recycle once written.
func (q *sendQueue) take() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	msgs := q.msgs
	q.msgs, q.spare, q.bytes = q.spare, nil, 0
	return msgs
}

func (q *sendQueue) recycle(msgs [][]byte) {
	clear(msgs)
	q.mu.Lock()
	if q.spare == nil && cap(msgs) <= 1024 {
		q.spare = msgs[:0]
	}
	q.mu.Unlock()
}

// tokenBucket limits the messages one client sends: rate per second, up to
// burst at once.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
