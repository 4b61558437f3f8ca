package collab

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// FuzzHandle feeds arbitrary frames to the server's message handling, as
// one editor's socket would send them, on a live room (real Redis and
// PostgreSQL). Whatever the frame: no panic; a frame that changes the
// document is accepted only if it is a valid update; and the room's
// document still merges, diffs and yields a state vector afterwards.
//
//	go test -run '^$' -fuzz '^FuzzHandle$' -fuzztime 5m ./modules/collab/
func FuzzHandle(f *testing.F) {
	w := typist{client: 61}
	for _, seed := range [][]byte{
		yprotocol.EncodeUpdate(w.next("seed")),
		yprotocol.EncodeSyncStep2(w.next(" two")),
		yprotocol.EncodeSyncStep1([]byte{0}),
		yprotocol.EncodeSyncStep1(yjs.EncodeStateVector(map[uint64]uint64{61: 3, 5: 9})),
		yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 3, Clock: 2, State: []byte(`{"user":{"name":"Ada"}}`)}})),
		yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{{ClientID: 3, Clock: 2, State: []byte(`null`)}})),
		yprotocol.EncodeQueryAwareness(),
		yprotocol.EncodePermissionDenied("no"),
		keepAliveFrame,
		{0, 2, 2, 0, 0},
		{0, 1, 0},
		{},
		{0xff},
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	in := e.start(f, nil)
	client := dial(f, in, e.chapter, e.owner.Token)
	go func() { // keep the socket drained
		for {
			if _, err := client.read(time.Hour); err != nil && !errors.Is(err, errNoFrame) {
				return
			}
		}
	}()
	h := in.mod.hub
	var c *conn
	waitUntil(f, 10*time.Second, "the socket to join", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for x := range h.conns {
			c = x
		}
		return c != nil
	})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, frame []byte) {
		before := h.stats.updates.Load()
		why := h.handle(ctx, c, frame)
		if why == nil && h.stats.updates.Load() > before {
			m, err := yprotocol.Decode(frame)
			if err != nil || !m.ModifiesDocument() {
				t.Fatalf("accepted %x as an update (%v)", frame, err)
			}
			if _, err := yjs.ParseUpdateMeta(m.Payload); err != nil {
				t.Fatalf("accepted an update that does not decode: %x: %v", m.Payload, err)
			}
		}
		if why != nil && why.code == 0 {
			t.Fatalf("a close without a code for %x", frame)
		}
		r := c.room
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, err := r.stateVector(); err != nil {
			t.Fatalf("after %x the document no longer folds: %v", frame, err)
		}
		if _, err := r.syncReply([]byte{0}); err != nil {
			t.Fatalf("after %x the document no longer diffs: %v", frame, err)
		}
		if bytes.Equal(r.snapshot, nil) {
			t.Fatal("the document vanished")
		}
	})
}
