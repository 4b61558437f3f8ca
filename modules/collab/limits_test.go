package collab

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/thebrain/thebrain/modules/collab/yprotocol"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestHostileFrames: each malformed or unwelcome frame closes only the
// connection that sent it, with a code that says why; the room's other
// client keeps working.
func TestHostileFrames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, func(d *Deps) { d.Limits.MaxMessageBytes = 64 << 10 })
	bystander := join(t, in, e.chapter, e.editor.Token)
	w := typist{client: 21}
	cases := []struct {
		name  string
		frame []byte
		text  bool
		code  websocket.StatusCode
	}{
		{"unknown message type", []byte{9, 0}, false, closeMalformed},
		{"hocuspocus framing", append([]byte{36}, []byte(e.chapter.String())...), false, closeMalformed},
		{"truncated sync", []byte{0, 2, 10, 1}, false, closeMalformed},
		{"trailing bytes", append(yprotocol.EncodeUpdate(w.next("a")), 0), false, closeMalformed},
		{"update that does not decode", yprotocol.EncodeUpdate([]byte{1, 1, 5}), false, closeMalformed},
		{"update in format V2", yprotocol.EncodeUpdate([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), false, closeMalformed},
		{"bad state vector", yprotocol.EncodeSyncStep1([]byte{3, 1}), false, closeMalformed},
		{"awareness that is not JSON", yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 1, Clock: 1, State: []byte("{nope")}})), false, closeMalformed},
		{"varUint past 2^53", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, false, closeMalformed},
		{"text frame", []byte("hello"), true, closeUnsupported},
		{"message over the limit", yprotocol.EncodeUpdate(bytes.Repeat([]byte{1}, 70<<10)), false, closeTooLarge},
		{"awareness state over 16 KiB", yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 1, Clock: 1, State: []byte(`"` + strings.Repeat("x", 20<<10) + `"`)}})), false, closeTooLarge},
	}
	for _, tc := range cases {
		c := join(t, in, e.chapter, e.owner.Token)
		typ := websocket.MessageBinary
		if tc.text {
			typ = websocket.MessageText
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.ws.Write(ctx, typ, tc.frame); err != nil {
			t.Fatalf("%s: write: %v", tc.name, err)
		}
		cancel()
		if code, reason := c.closed(5 * time.Second); code != tc.code {
			t.Errorf("%s: closed with %d %q, want %d", tc.name, code, reason, tc.code)
		}
	}
	// The bystander was not disturbed, and nothing of the above reached it.
	u := yprotocol.EncodeUpdate((&typist{client: 22}).next("still here"))
	bystander.send(u)
	if got := bystander.nextUpdate(); !bytes.Equal(yprotocol.EncodeUpdate(got), u) {
		t.Fatalf("bystander got %x", got)
	}
	if st := e.storedStateEventually(t, 22, 10); st[21] != 0 {
		t.Fatalf("a refused update was stored: %v", st)
	}
}

// storedStateEventually waits until client's clock in PostgreSQL reaches
// clock and returns the stored state vector.
func (e *env) storedStateEventually(t testing.TB, client, clock uint64) map[uint64]uint64 {
	t.Helper()
	var st map[uint64]uint64
	waitUntil(t, 10*time.Second, "the update in PostgreSQL", func() bool {
		st = e.storedState(t)
		return st[client] >= clock
	})
	return st
}

// TestDocumentSizeLimit: an update that would grow the document past
// MaxDocumentBytes is refused with y-protocols' permission-denied message
// and 4413 (which y-websocket does not retry); the document keeps what it
// had.
func TestDocumentSizeLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, func(d *Deps) { d.Limits.MaxDocumentBytes = 4 << 10 })
	a := join(t, in, e.chapter, e.owner.Token)
	w := typist{client: 23}
	a.send(yprotocol.EncodeUpdate(w.next(strings.Repeat("a", 3000))))
	a.nextUpdate()
	a.send(yprotocol.EncodeUpdate(w.next(strings.Repeat("b", 2000))))
	var notice yprotocol.Message
	for {
		notice = a.next()
		if notice.Type == yprotocol.MessageAuth {
			break
		}
	}
	if !strings.Contains(notice.Reason, "document too large") {
		t.Fatalf("notice %+v", notice)
	}
	if code, _ := a.closed(5 * time.Second); code != closeTooLarge {
		t.Fatalf("closed with %d, want %d", code, closeTooLarge)
	}
	if st := e.storedStateEventually(t, 23, 3000); st[23] != 3000 {
		t.Fatalf("stored %v", st)
	}
}

// TestConnectionLimits: past MaxConnsPerDocument sockets on a chapter, or
// MaxConnsPerUser for a user, across instances, a new socket is closed with
// 1013 (try again later) and its reason; closing one makes room.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tune := func(d *Deps) { d.Limits.MaxConnsPerDocument = 3; d.Limits.MaxConnsPerUser = 2 }
	a := e.start(t, tune)
	b := e.start(t, tune)
	owner1 := join(t, a, e.chapter, e.owner.Token)
	join(t, b, e.chapter, e.owner.Token)
	third := dial(t, a, e.chapter, e.owner.Token)
	if code, reason := third.closed(5 * time.Second); code != closeTryLater || !strings.Contains(reason, "user") {
		t.Fatalf("the owner's third socket: %d %q", code, reason)
	}
	join(t, b, e.chapter, e.editor.Token)
	fourth := dial(t, a, e.chapter, e.viewer.Token)
	if code, reason := fourth.closed(5 * time.Second); code != closeTryLater || !strings.Contains(reason, "chapter") {
		t.Fatalf("the chapter's fourth socket: %d %q", code, reason)
	}
	_ = owner1.ws.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, 10*time.Second, "the lease to be released", func() bool {
		n, _ := e.rdb.ZCard(context.Background(), a.mod.hub.leases.docKey(e.chapter)).Result()
		return n == 2
	})
	join(t, a, e.chapter, e.viewer.Token)
}

// TestMessageRate: a client sending far more messages than the bucket
// allows is closed with 4429.
func TestMessageRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, func(d *Deps) { d.Limits.MessagesPerSecond = 5; d.Limits.MessageBurst = 10 })
	c := join(t, in, e.chapter, e.viewer.Token)
	for range 30 {
		if err := c.ws.Write(context.Background(), websocket.MessageBinary, yprotocol.EncodeQueryAwareness()); err != nil {
			break
		}
	}
	if code, _ := c.closed(5 * time.Second); code != closeRateLimited {
		t.Fatalf("closed with %d, want %d", code, closeRateLimited)
	}
}

// TestSlowClientIsDisconnected: a client that stops reading falls behind
// until its send queue is full; it is closed with 1013, while the sender
// and another reader go on without waiting for it.
func TestSlowClientIsDisconnected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, func(d *Deps) {
		d.Limits.SendQueueBytes = 2 << 20
		d.Limits.MessagesPerSecond, d.Limits.MessageBurst = 1e6, 1e6
	})
	sender := join(t, in, e.chapter, e.editor.Token)
	reader := join(t, in, e.chapter, e.owner.Token)
	// The slow client never reads: a raw TCP connection after the
	// handshake, so nothing drains its socket.
	slow := dialNoRead(t, in, e.owner.Token, e.chapter.String())
	h := in.mod.hub
	waitUntil(t, 10*time.Second, "three sockets", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.conns) == 3
	})
	// Presence is relayed to everyone and does not grow the document:
	// 1,500 states of 15 KiB (22 MB) are far more than the socket buffers
	// between the server and the slow client hold. (Messages waiting
	// together in a queue go out merged, so the reader counts the states
	// it has seen by their clocks, not messages.)
	const n = 1500
	state := []byte(`"` + strings.Repeat("s", 15<<10) + `"`)
	var seen atomic.Int64 // the newest clock the reader has seen
	received := make(chan struct{})
	go func() {
		defer close(received)
		for seen.Load() < n {
			b, err := reader.read(20 * time.Second)
			if err != nil {
				return
			}
			m, err := yprotocol.Decode(b)
			if err != nil || m.Type != yprotocol.MessageAwareness {
				continue
			}
			entries, _ := yprotocol.DecodeAwareness(m.Payload)
			for _, e := range entries {
				if e.ClientID == 77 && int64(e.Clock) > seen.Load() {
					seen.Store(int64(e.Clock))
				}
			}
		}
	}()
	for i := range n {
		// The sender keeps within 40 states (600 KB) of the reader, so
		// only a client that does not read at all can fall 2 MiB behind.
		for int64(i)-seen.Load() > 40 {
			select {
			case <-received:
				t.Fatalf("the reader stopped at state %d of %d: the room waited for the slow client", seen.Load(), n)
			case <-time.After(time.Millisecond):
			}
		}
		sender.send(yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 77, Clock: uint64(i + 1), State: state}})))
	}
	<-received
	if got := seen.Load(); got != n {
		t.Fatalf("the reader saw state %d of %d: the room waited for the slow client", got, n)
	}
	waitUntil(t, 15*time.Second, "the slow client to be dropped", func() bool { return h.stats.slowClosed.Load() == 1 })
	_ = slow.Close()
}

// dialNoRead opens a socket by hand and never reads from it.
func dialNoRead(t testing.TB, in *instance, token, room string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(in.http.URL, "http://")
	// A small receive buffer, set before the handshake fixes the window.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	req := "GET /collab/" + room + "?token=" + token + " HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return nc
}

// TestNotAWebSocket: a plain GET is a problem+json 400; a browser page from
// an origin that is not allowed gets 403 before any upgrade.
func TestNotAWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, func(d *Deps) { d.Origins = []string{"https://app.example.com"} })
	testkit.WantProblem(t, in.api.Get("/collab/"+e.chapter.String(), e.owner.Token), 400, "invalid-request")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdr := map[string][]string{"Origin": {"https://evil.example.net"}}
	_, resp, err := websocket.Dial(ctx, in.ws+"/"+e.chapter.String()+"?token="+e.owner.Token, &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil || resp == nil || resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("foreign origin: %v %v", resp, err)
	}
	hdr["Origin"] = []string{"https://app.example.com"}
	ws, _, err := websocket.Dial(ctx, in.ws+"/"+e.chapter.String()+"?token="+e.owner.Token, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("allowed origin: %v", err)
	}
	_ = ws.CloseNow()
}
