package collab

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// rawClient speaks the protocol frame by frame, for tests that need to see
// or send exact bytes (relays, hostile frames, limits). A goroutine reads
// (a read with a deadline would close the socket).
type rawClient struct {
	t      testing.TB
	ws     *websocket.Conn
	frames chan []byte
	end    error // why the socket ended; set before frames closes
}

func dial(t testing.TB, in *instance, chapter uuid.UUID, token string) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := in.ws + "/" + chapter.String()
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { _ = ws.CloseNow() })
	c := &rawClient{t: t, ws: ws, frames: make(chan []byte, 4096)}
	go func() {
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				c.end = err
				close(c.frames)
				return
			}
			c.frames <- b
		}
	}()
	return c
}

// join dials and reads the greeting (the server's sync step 1).
func join(t testing.TB, in *instance, chapter uuid.UUID, token string) *rawClient {
	t.Helper()
	c := dial(t, in, chapter, token)
	if m := c.next(); m.Type != yprotocol.MessageSync || m.Sync != yprotocol.SyncStep1 {
		t.Fatalf("greeting: %+v", m)
	}
	return c
}

func (c *rawClient) send(frame []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, frame); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

var errNoFrame = errors.New("no frame in time")

// read returns the next frame, the error that ended the socket, or
// errNoFrame after d.
func (c *rawClient) read(d time.Duration) ([]byte, error) {
	select {
	case b, ok := <-c.frames:
		if !ok {
			return nil, c.end
		}
		return b, nil
	case <-time.After(d):
		return nil, errNoFrame
	}
}

// next returns the next message that is not a keep-alive.
func (c *rawClient) next() yprotocol.Message {
	c.t.Helper()
	for {
		b, err := c.read(10 * time.Second)
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if string(b) == string(keepAliveFrame) {
			continue
		}
		m, err := yprotocol.Decode(b)
		if err != nil {
			c.t.Fatalf("decode %x: %v", b, err)
		}
		return m
	}
}

// nextUpdate returns the payload of the next sync update message, skipping
// presence.
func (c *rawClient) nextUpdate() []byte {
	c.t.Helper()
	for {
		m := c.next()
		if m.Type == yprotocol.MessageSync && m.Sync == yprotocol.SyncUpdate {
			return m.Payload
		}
	}
}

// closed waits for the server's close and returns its code and reason.
func (c *rawClient) closed(d time.Duration) (websocket.StatusCode, string) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		_, err := c.read(time.Until(deadline))
		if err == nil {
			continue
		}
		if errors.Is(err, errNoFrame) {
			break
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		c.t.Fatalf("socket ended without a close frame: %v", err)
	}
	c.t.Fatalf("no close within %s", d)
	return 0, ""
}

// stateOf returns the state vector of a document (update).
func stateOf(t testing.TB, doc []byte) map[uint64]uint64 {
	t.Helper()
	sv, err := yjs.EncodeStateVectorFromUpdate(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := yjs.DecodeStateVector(sv)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// typist builds the updates of one Y.js client typing into the root text
// "t", one update per call, each appended after the previous one: what a
// y-websocket client sends for keystrokes.
type typist struct {
	client uint64
	clock  uint64
}

func (w *typist) next(text string) []byte {
	var b []byte
	b = appendVarUint(b, 1) // one client group
	b = appendVarUint(b, 1) // one struct
	b = appendVarUint(b, w.client)
	b = appendVarUint(b, w.clock)
	if w.clock == 0 {
		b = append(b, 4) // String, no origin: the parent follows
		b = appendVarUint(b, 1)
		b = appendVarString(b, "t")
	} else {
		b = append(b, 0x84) // String after the origin
		b = appendVarUint(b, w.client)
		b = appendVarUint(b, w.clock-1)
	}
	b = appendVarString(b, text)
	b = appendVarUint(b, 0) // empty delete set
	w.clock += uint64(len([]rune(text)))
	return b
}

func appendVarUint(b []byte, v uint64) []byte {
	for v > 0x7f {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarString(b []byte, s string) []byte {
	return append(appendVarUint(b, uint64(len(s))), s...)
}
