package collab

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/internal/store"
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// TestRelayByteForByte: an update is relayed as it came, to every client of
// the room, the sender too; a sync step 2 is relayed as an update with the
// same payload; a late client's sync step 1 is answered with what it lacks.
func TestRelayByteForByte(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	a := join(t, in, e.chapter, e.owner.Token)
	b := join(t, in, e.chapter, e.editor.Token)
	w := typist{client: 7}

	u1 := yprotocol.EncodeUpdate(w.next("hello"))
	a.send(u1)
	for _, c := range []*rawClient{a, b} {
		got, err := c.read(5 * time.Second)
		if err != nil || !bytes.Equal(got, u1) {
			t.Fatalf("relayed %x (%v), want the sent frame %x", got, err, u1)
		}
	}
	u2 := w.next(" world")
	a.send(yprotocol.EncodeSyncStep2(u2))
	if got := b.nextUpdate(); !bytes.Equal(got, u2) {
		t.Fatalf("a step 2 relayed as %x, want update %x", got, u2)
	}

	late := join(t, in, e.chapter, e.viewer.Token)
	late.send(yprotocol.EncodeSyncStep1([]byte{0}))
	m := late.next()
	if m.Type != yprotocol.MessageSync || m.Sync != yprotocol.SyncStep2 {
		t.Fatalf("answer to step 1: %+v", m)
	}
	if got := stateOf(t, m.Payload); got[7] != 11 {
		t.Fatalf("the late client got state %v, want client 7 at clock 11", got)
	}
	// A client that has the first update gets only the second.
	sv := yjs.EncodeStateVector(map[uint64]uint64{7: 5})
	late.send(yprotocol.EncodeSyncStep1(sv))
	m = late.next()
	meta, err := yjs.ParseUpdateMeta(m.Payload)
	if err != nil || meta.From[7] != 5 || meta.To[7] != 11 {
		t.Fatalf("diff against %v: %+v (%v)", sv, meta, err)
	}
}

// TestPersistence: accepted updates reach PostgreSQL within about a second,
// are compacted into the snapshot, and a document loads from PostgreSQL
// alone (the stream gone, every instance restarted).
func TestPersistence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	a := join(t, in, e.chapter, e.owner.Token)
	w := typist{client: 9}
	for i := range 50 {
		a.send(yprotocol.EncodeUpdate(w.next(string(rune('a' + i%26)))))
	}
	q := store.New(e.pool)
	ctx := context.Background()
	stored := func() map[uint64]uint64 {
		snap, from, err := loadSnapshot(ctx, q, e.chapter)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := q.ListUpdatesAfter(ctx, store.ListUpdatesAfterParams{ChapterID: e.chapter, AfterMs: int64(from.ms), AfterSeq: int64(from.seq)})
		if err != nil {
			t.Fatal(err)
		}
		all := [][]byte{snap}
		for _, r := range rows {
			all = append(all, r.Update)
		}
		doc, err := yjs.MergeUpdates(all)
		if err != nil {
			t.Fatal(err)
		}
		return stateOf(t, doc)
	}
	start := time.Now()
	waitUntil(t, 10*time.Second, "the updates in PostgreSQL", func() bool { return stored()[9] == 50 })
	t.Logf("all 50 updates in PostgreSQL %s after the last was sent", time.Since(start).Round(time.Millisecond))
	// Compacted: the snapshot alone holds them and the tail is empty.
	waitUntil(t, 10*time.Second, "compaction", func() bool {
		doc, err := q.GetDocument(ctx, e.chapter)
		return err == nil && stateOf(t, doc.Snapshot)[9] == 50
	})
	in.stop()
	if err := e.rdb.Del(ctx, in.mod.hub.bus.streamKey(e.chapter)).Err(); err != nil {
		t.Fatal(err)
	}
	in2 := e.start(t, nil)
	c := join(t, in2, e.chapter, e.viewer.Token)
	c.send(yprotocol.EncodeSyncStep1([]byte{0}))
	if got := stateOf(t, c.next().Payload); got[9] != 50 {
		t.Fatalf("reloaded document has %v, want client 9 at 50", got)
	}
}

// TestLoadWritesWhatNobodyPersisted: an instance that appended updates to a
// stream and died before writing them to PostgreSQL (simulated by appending
// to the stream directly) loses nothing: the next instance to load the
// document serves them and writes them.
func TestLoadWritesWhatNobodyPersisted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	w := typist{client: 11}
	ctx := context.Background()
	for range 20 {
		if _, err := in.mod.hub.bus.add(ctx, e.chapter, w.next("x")); err != nil {
			t.Fatal(err)
		}
	}
	c := join(t, in, e.chapter, e.owner.Token)
	c.send(yprotocol.EncodeSyncStep1([]byte{0}))
	if got := stateOf(t, c.next().Payload); got[11] != 20 {
		t.Fatalf("loaded %v, want client 11 at 20", got)
	}
	waitUntil(t, 10*time.Second, "the stream's updates in PostgreSQL", func() bool {
		var n int
		_ = e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM collab_updates WHERE chapter_id = $1) +
			(SELECT count(*) FROM collab_documents WHERE chapter_id = $1)`, e.chapter).Scan(&n)
		return n > 0 && e.storedState(t)[11] == 20
	})
}

// storedState is the state vector of everything PostgreSQL holds of the
// chapter.
func (e *env) storedState(t testing.TB) map[uint64]uint64 {
	t.Helper()
	ctx := context.Background()
	q := store.New(e.pool)
	snap, from, err := loadSnapshot(ctx, q, e.chapter)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := q.ListUpdatesAfter(ctx, store.ListUpdatesAfterParams{ChapterID: e.chapter, AfterMs: int64(from.ms), AfterSeq: int64(from.seq)})
	if err != nil {
		t.Fatal(err)
	}
	all := [][]byte{snap}
	for _, r := range rows {
		all = append(all, r.Update)
	}
	doc, err := yjs.MergeUpdates(all)
	if err != nil {
		t.Fatal(err)
	}
	return stateOf(t, doc)
}

// TestCompactorsRace: many compactions of one document race each other and
// the writes of new updates (as several instances would); whatever the
// interleaving, the document ends with every update, and the tail holds
// nothing the snapshot has.
func TestCompactorsRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start(t, nil)
	b := e.start(t, nil)
	ctx := context.Background()
	w := typist{client: 13}
	const updates = 300
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range updates {
			row := pendingRow{chapter: e.chapter, id: streamID{ms: uint64(1000 + i), seq: 0}, update: w.next("y")}
			if err := a.mod.hub.persist.insert(ctx, []pendingRow{row}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	compactions := make(chan error, 64)
	for i := range 8 {
		go func() {
			p := []*persister{a.mod.hub.persist, b.mod.hub.persist}[i%2]
			for {
				select {
				case <-done:
					compactions <- p.compact(ctx, e.chapter)
					return
				default:
				}
				if err := p.compact(ctx, e.chapter); err != nil {
					compactions <- err
					return
				}
			}
		}()
	}
	for range 8 {
		if err := <-compactions; err != nil {
			t.Fatal(err)
		}
	}
	if err := a.mod.hub.persist.compact(ctx, e.chapter); err != nil {
		t.Fatal(err)
	}
	doc, err := store.New(e.pool).GetDocument(ctx, e.chapter)
	if err != nil {
		t.Fatal(err)
	}
	if got := stateOf(t, doc.Snapshot); got[13] != updates {
		t.Fatalf("snapshot after racing compactions: %v, want client 13 at %d", got, updates)
	}
	var tail int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM collab_updates WHERE chapter_id = $1`, e.chapter).Scan(&tail); err != nil || tail != 0 {
		t.Fatalf("tail rows left: %d (%v)", tail, err)
	}
	if doc.SnapshotMs != 1000+updates-1 {
		t.Fatalf("snapshot reaches stream id %d-%d, want %d-0", doc.SnapshotMs, doc.SnapshotSeq, 1000+updates-1)
	}
	t.Logf("%d compactions folded something", a.mod.hub.stats.compactions.Load()+b.mod.hub.stats.compactions.Load())
}

// TestRoomUnloadsAndReloads: a room without clients unloads after
// Timing.Unload, after which its document is compacted; a new client
// loads it again with everything.
func TestRoomUnloadsAndReloads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	a := join(t, in, e.chapter, e.owner.Token)
	w := typist{client: 17}
	a.send(yprotocol.EncodeUpdate(w.next("kept")))
	a.nextUpdate()
	_ = a.ws.CloseNow()
	h := in.mod.hub
	waitUntil(t, 15*time.Second, "the room to unload", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.rooms[e.chapter] == nil
	})
	if _, ok := h.bus.position(e.chapter); ok {
		t.Fatal("the stream is still followed after the unload")
	}
	b := join(t, in, e.chapter, e.owner.Token)
	b.send(yprotocol.EncodeSyncStep1([]byte{0}))
	if got := stateOf(t, b.next().Payload); got[17] != 4 {
		t.Fatalf("reloaded %v", got)
	}
	if h.stats.loads.Load() != 2 {
		t.Fatalf("loads = %d, want 2", h.stats.loads.Load())
	}
}
