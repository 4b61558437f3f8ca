package collab

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/collabtest"
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestRedisRestart: two instances on a private Redis that is killed and
// comes back empty (no persistence) while clients edit. Clients reconnect
// (their updates could not be committed meanwhile), the instances resume
// reading the streams and ask their clients for whatever the server may
// have lost; everyone converges on every character, and PostgreSQL ends
// up with all of it.
func TestRedisRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := testkit.RedisServer(t)
	rdb, err := redis.Open(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	private := func(d *Deps) { d.Redis = rdb; d.Keys = redis.NewKeys("fault:") }
	one, two := e.start(t, private), e.start(t, private)
	nc := collabtest.Start(t)
	names := []string{"a", "b", "c"}
	urls := []string{one.ws, two.ws, one.ws}
	for i, name := range names {
		nc.Do(t, "open", map[string]any{"name": name, "url": urls[i], "room": e.chapter.String(), "token": e.editor.Token, "maxBackoff": 500})
	}
	for _, name := range names {
		nc.Do(t, "waitSynced", map[string]any{"name": name})
	}
	var texts []string
	var typing []<-chan collabtest.Reply
	for i, name := range names {
		text := strings.Repeat(strings.ToUpper(name), 150)
		texts = append(texts, text)
		typing = append(typing, nc.Go("type", map[string]any{"name": name, "key": name, "text": text, "delay": 10}))
		_ = i
	}
	nc.Do(t, "sleep", map[string]any{"ms": 400})
	srv.Restart()
	for _, ch := range typing {
		if r := nc.Wait(t, ch); !r.OK() {
			t.Fatal(r.Err())
		}
	}
	r := nc.Do(t, "waitEqual", map[string]any{"names": names, "contains": texts, "timeout": 60000})
	if r["converged"] != true {
		t.Fatalf("no convergence after the Redis restart: %v", r["states"])
	}
	want := clientState(t, r)
	var stored map[uint64]uint64
	waitUntil(t, 30*time.Second, "every update in PostgreSQL", func() bool {
		stored = e.storedState(t)
		return fmt.Sprint(stored) == fmt.Sprint(want)
	})
}

// clientState decodes the state vector of a driver's state reply.
func clientState(t testing.TB, r collabtest.Reply) map[uint64]uint64 {
	t.Helper()
	st, _ := r["state"].(map[string]any)
	raw, err := base64.StdEncoding.DecodeString(st["sv"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := yjs.DecodeStateVector(raw)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// TestRepairAfterRedisLoss: an update committed to the stream and relayed,
// which Redis then lost before any instance wrote it to PostgreSQL (made
// here by adding it to the room without the stream, then deleting the
// stream as a restart without persistence would), reaches PostgreSQL once
// the instance repairs after the fault. A fault that lost nothing appends
// nothing.
func TestRepairAfterRedisLoss(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	c := join(t, in, e.chapter, e.owner.Token)
	w := typist{client: 51}
	c.send(yprotocol.EncodeUpdate(w.next("persisted")))
	c.nextUpdate()
	e.storedStateEventually(t, 51, 9)
	h := in.mod.hub
	h.mu.Lock()
	r := h.rooms[e.chapter]
	h.mu.Unlock()
	ctx := context.Background()
	length := func() int64 { return e.rdb.XLen(ctx, h.bus.streamKey(e.chapter)).Val() }
	waitUntil(t, 5*time.Second, "the update to be read back", func() bool {
		pos, _ := h.bus.position(e.chapter)
		return !pos.isZero()
	})
	h.resyncAll(false) // nothing was lost
	if m := c.next(); m.Type != yprotocol.MessageSync || m.Sync != yprotocol.SyncStep1 {
		t.Fatalf("the client was not asked to resync: %+v", m)
	}
	if n := length(); n != 1 {
		t.Fatalf("a fault that lost nothing appended to the stream: %d entries", n)
	}

	lost := w.next(" and lost")
	r.add(lost, yprotocol.EncodeUpdate(lost))
	if got := c.nextUpdate(); string(got) != string(lost) {
		t.Fatalf("relayed %x", got)
	}
	if err := e.rdb.Del(ctx, h.bus.streamKey(e.chapter)).Err(); err != nil {
		t.Fatal(err)
	}
	h.resyncAll(false)
	if m := c.next(); m.Type != yprotocol.MessageSync || m.Sync != yprotocol.SyncStep1 {
		t.Fatalf("the client was not asked to resync: %+v", m)
	}
	e.storedStateEventually(t, 51, 18)
}

// TestOrphanedStreamIsWritten: updates appended by an instance that died
// before writing them to PostgreSQL (appended here without any instance
// serving the chapter), on a chapter nobody opens again, are written by
// another instance's sweep once they are Timing.Orphan old; and the mark
// that sent it there goes.
func TestOrphanedStreamIsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, func(d *Deps) { d.Timing.Sweep = 200 * time.Millisecond; d.Timing.Orphan = 500 * time.Millisecond })
	ctx := context.Background()
	w := typist{client: 71}
	for range 10 {
		if _, err := in.mod.hub.bus.add(ctx, e.chapter, w.next("o")); err != nil {
			t.Fatal(err)
		}
	}
	marked := func() bool {
		_, err := e.rdb.ZScore(ctx, in.mod.hub.bus.dirtyKey(), e.chapter.String()).Result()
		return err == nil
	}
	if !marked() {
		t.Fatal("appending did not mark the document")
	}
	e.storedStateEventually(t, 71, 10)
	waitUntil(t, 10*time.Second, "the mark to go", func() bool { return !marked() })
	h := in.mod.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.rooms) != 0 {
		t.Fatal("the sweep loaded a room")
	}
}
