package collab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/collab/internal/store"
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// Hub states.
const (
	hubStopped int32 = iota
	hubRunning
	hubDraining
)

var (
	errNotRunning = errors.New("the collaboration server is not running")
	errDraining   = errors.New("the collaboration server is shutting down")
)

// hub is this instance's part of the collaboration server: the loaded
// rooms, the open sockets, the bus to the other instances and the
// persister.
type hub struct {
	log      *slog.Logger
	svc      *service
	limits   Limits
	timing   Timing
	proto    yprotocol.Limits
	codec    yjs.Limits
	instance string
	now      func() time.Time

	bus     *bus
	persist *persister
	leases  *leases
	renders *renderer

	state      atomic.Int32
	nextConnID atomic.Uint64

	mu      sync.Mutex
	rooms   map[uuid.UUID]*room
	loading map[uuid.UUID]*loadCall
	conns   map[*conn]struct{}
	gone    chan struct{} // closed and replaced whenever the last socket leaves

	stats stats
}

// stats are counters for logs, tests and benchmarks.
type stats struct {
	updates     atomic.Int64 // updates accepted from clients here
	refused     atomic.Int64 // document changes refused from read-only clients
	slowClosed  atomic.Int64 // clients closed for falling behind
	compactions atomic.Int64
	loads       atomic.Int64
	renders     atomic.Int64 // renderings that changed a chapter
	applied     atomic.Int64 // content writes applied as updates
}

type loadCall struct {
	done chan struct{}
	err  error
}

func newHub(d Deps, svc *service) *hub {
	var id [8]byte
	_, _ = rand.Read(id[:])
	h := &hub{
		log: d.Log, svc: svc, limits: d.Limits.withDefaults(), timing: d.Timing.withDefaults(),
		instance: hex.EncodeToString(id[:]), now: time.Now,
		rooms: map[uuid.UUID]*room{}, loading: map[uuid.UUID]*loadCall{}, conns: map[*conn]struct{}{},
		gone: make(chan struct{}),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.proto = yprotocol.Limits{MaxFrameSize: h.limits.MaxMessageBytes, MaxAwarenessEntries: MaxAwarenessEntries, MaxAwarenessState: MaxAwarenessState}
	h.codec = yjs.Limits{MaxUpdateSize: max(h.limits.MaxDocumentBytes, h.limits.MaxMessageBytes) * 2}
	h.bus = newBus(h, d.Redis, d.Keys)
	h.persist = newPersister(h, d.DB)
	h.leases = newLeases(h, d.Redis, d.Keys)
	h.renders = newRenderer(h)
	return h
}

// run serves until ctx ends, then shuts down within grace: new sockets are
// refused, open ones are closed with "going away" (spread over
// Timing.ShutdownSpread), and everything accepted is written to PostgreSQL
// and compacted before it returns.
func (h *hub) run(ctx context.Context, grace time.Duration) error {
	if !h.state.CompareAndSwap(hubStopped, hubRunning) {
		return errors.New("collab: Run called twice")
	}
	loops, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	h.bus.ps = h.bus.rdb.Subscribe(loops)
	wg.Go(func() { h.bus.read(loops) })
	wg.Go(func() { h.bus.listen(loops) })
	wg.Go(func() { h.persist.run(loops) })
	wg.Go(func() { h.tick(loops) })
	wg.Go(func() { h.recheckLoop(loops) })
	wg.Go(func() { h.bus.watchServer(loops) })
	wg.Go(func() { h.sweep(loops) })
	wg.Go(func() { h.renders.run(loops) })

	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := h.shutdown(sctx)
	stopLoops()
	_ = h.bus.ps.Close()
	wg.Wait()
	h.state.Store(hubStopped)
	return err
}

// shutdown closes every socket and persists every room.
func (h *hub) shutdown(ctx context.Context) error {
	h.state.Store(hubDraining)
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	h.log.Info("collab: shutting down", slog.Int("sockets", len(conns)))
	spread := h.timing.ShutdownSpread
	if d, ok := ctx.Deadline(); ok {
		spread = min(spread, time.Until(d)/4)
	}
	for i, c := range conns {
		if len(conns) > 1 && spread > 0 {
			next := time.Duration(int64(spread) * int64(i) / int64(len(conns)))
			select {
			case <-time.After(time.Until(time.Now().Add(next))):
			case <-ctx.Done():
			}
		}
		c.close(closeGoingAway, "server restarting; reconnect")
	}
	// The handlers leave their rooms as their sockets end.
	for {
		h.mu.Lock()
		n, gone := len(h.conns), h.gone
		h.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-gone:
		case <-ctx.Done():
			return fmt.Errorf("collab: %d sockets still open at the end of the grace period", n)
		}
	}
	return h.persistAll(ctx)
}

// persistAll writes every hosted document's updates to PostgreSQL, reading
// first what this instance appended to the streams but had not read back
// yet, and compacts them.
func (h *hub) persistAll(ctx context.Context) error {
	h.mu.Lock()
	ids := make([]uuid.UUID, 0, len(h.rooms))
	for id := range h.rooms {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	var errs []error
	for _, id := range ids {
		if last, ok := h.bus.position(id); ok {
			entries, err := h.bus.readAll(ctx, id, last)
			if err != nil {
				errs = append(errs, err)
			}
			for _, e := range entries {
				h.persist.enqueue(pendingRow{chapter: id, id: e.id, update: e.update})
			}
		}
	}
	if err := h.persist.drain(ctx); err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, id := range ids {
		if err := h.persist.compact(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	h.renders.renderDue(ctx, true)
	return errors.Join(errs...)
}

// open adds c to its chapter's room, loading the room when this instance
// does not host it yet (once, however many sockets wait for it), and
// queues the greeting: the server's sync step 1 and the known presence.
func (h *hub) open(ctx context.Context, c *conn) error {
	id := c.sess.chapterID
	for {
		h.mu.Lock()
		if h.state.Load() != hubRunning {
			h.mu.Unlock()
			return errDraining
		}
		if r := h.rooms[id]; r != nil {
			err := h.enter(r, c)
			if err == nil {
				h.conns[c] = struct{}{}
			}
			h.mu.Unlock()
			return err
		}
		call := h.loading[id]
		if call == nil {
			call = &loadCall{done: make(chan struct{})}
			h.loading[id] = call
			go h.loadRoom(id, call)
		}
		h.mu.Unlock()
		select {
		case <-call.done:
			if call.err != nil {
				return call.err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// enter adds c to r and queues its greeting. Call with h.mu held.
func (h *hub) enter(r *room, c *conn) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sv, err := r.stateVector()
	if err != nil {
		return err
	}
	c.room = r
	r.conns[c] = struct{}{}
	r.emptySince = time.Time{}
	c.send(yprotocol.EncodeSyncStep1(sv))
	if states := r.awarenessStates(false); states != nil {
		c.send(encodeAwarenessFrame(states))
	}
	return nil
}

// loadRoom builds the room of a chapter this instance starts hosting: the
// stream first, then PostgreSQL (an entry trimmed from the stream in
// between was compacted into the snapshot before the trim), merged into one
// update. Entries not yet in PostgreSQL are queued for writing: the
// instance that accepted them may have died before writing them.
func (h *hub) loadRoom(id uuid.UUID, call *loadCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, last, err := h.load(ctx, id)
	if err == nil {
		// Reading the stream from where the load ended before anyone joins:
		// nothing appended meanwhile is missed.
		h.bus.follow(r, last)
	}
	h.mu.Lock()
	running := h.state.Load() == hubRunning
	if err == nil && running {
		h.rooms[id] = r
		h.stats.loads.Add(1)
	} else if err == nil {
		err = errDraining
	}
	call.err = err
	delete(h.loading, id)
	close(call.done)
	h.mu.Unlock()
	switch {
	case err == nil:
		// The other instances serving the document send their clients'
		// presence.
		h.bus.publishAwareness(ctx, id, awKindQuery, nil)
	case r != nil:
		h.bus.unfollow(id)
	}
}

// A document nobody ever wrote is seeded from its chapter's Markdown first
// (seedDocument: one seeding wins across instances), then loaded again.
func (h *hub) load(ctx context.Context, id uuid.UUID) (*room, streamID, error) {
	doc, entries, from, err := h.documentState(ctx, id)
	if err != nil {
		return nil, streamID{}, err
	}
	if empty, err := h.isEmpty(doc); err != nil {
		return nil, streamID{}, err
	} else if empty {
		seeded, err := h.seedDocument(ctx, id)
		if err != nil {
			return nil, streamID{}, err
		}
		if seeded {
			if doc, entries, from, err = h.documentState(ctx, id); err != nil {
				return nil, streamID{}, err
			}
		}
	}
	var last streamID
	pending := make([]pendingRow, 0, len(entries))
	for _, e := range entries {
		last = e.id
		if e.id.after(from) {
			pending = append(pending, pendingRow{chapter: id, id: e.id, update: e.update})
		}
	}
	h.persist.enqueue(pending...)
	if last.isZero() {
		last = from
	}
	return newRoom(h, id, doc), last, nil
}

// leave takes c out of its room and announces the departure of its
// clients' presence, here and on the other instances.
func (h *hub) leave(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	if len(h.conns) == 0 {
		close(h.gone)
		h.gone = make(chan struct{})
	}
	h.mu.Unlock()
	r := c.room
	if r == nil {
		return
	}
	r.mu.Lock()
	delete(r.conns, c)
	departed := r.departures(c)
	if departed != nil {
		r.broadcast(encodeAwarenessFrame(departed))
	}
	last := len(r.conns) == 0
	if last {
		r.emptySince = h.now()
	}
	r.mu.Unlock()
	if last {
		h.renders.renderNow(r.id, false)
	}
	if departed != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		h.bus.publishAwareness(ctx, r.id, awKindUpdate, departed)
	}
}

// resyncAll repairs what a Redis fault may have lost. A Redis restarted
// without persistence (or that lost its last second of writes, or a replica
// promoted before it had them) lacks the streams' last entries, some of
// them relayed but not yet in PostgreSQL. After a restart (restarted true)
// every room appends its whole document to its stream again; after an
// error, only a room whose stream ends before what this instance read or
// appended does. Merging makes the repeat harmless, and the stream is how
// updates reach PostgreSQL. Every room also asks its clients, with the
// server's sync step 1, for anything the server lacks.
func (h *hub) resyncAll(restarted bool) {
	h.mu.Lock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		sv, err := r.stateVector()
		doc := r.snapshot
		if err == nil {
			r.broadcast(yprotocol.EncodeSyncStep1(sv))
		}
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err == nil && len(doc) <= h.limits.MaxMessageBytes && (restarted || h.bus.lost(ctx, r.id)) {
			if _, err := h.bus.add(ctx, r.id, doc); err != nil {
				h.log.Warn("collab: re-appending a document after a Redis fault failed", slog.String("chapter_id", r.id.String()), slog.String("error", err.Error()))
			}
		}
		cancel()
	}
}

// keepAliveFrame is an awareness update with no entries: clients apply it
// as a no-op, and it counts as traffic for y-websocket's 30 s watchdog.
var keepAliveFrame = encodeAwarenessFrame(yprotocol.EncodeAwarenessUpdate(nil))

// tick does the per-second housekeeping: keep-alives, pings of silent
// clients, the write watchdog, token expiry, presence expiry, lease
// renewal and the unloading of idle rooms.
func (h *hub) tick(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	lastRenew := h.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := h.now()
		h.mu.Lock()
		conns := make([]*conn, 0, len(h.conns))
		for c := range h.conns {
			conns = append(conns, c)
		}
		rooms := make([]*room, 0, len(h.rooms))
		for _, r := range h.rooms {
			rooms = append(rooms, r)
		}
		h.mu.Unlock()
		for _, c := range conns {
			h.check(c, now)
		}
		for _, r := range rooms {
			r.mu.Lock()
			r.expireAwareness(now.Add(-h.timing.AwarenessTimeout))
			r.mu.Unlock()
		}
		if now.Sub(lastRenew) >= h.timing.Lease/3 {
			lastRenew = now
			h.leases.renew(ctx, conns)
		}
		h.unloadIdle(now)
	}
}

// check applies the per-connection timers to c.
func (h *hub) check(c *conn, now time.Time) {
	ns := now.UnixNano()
	if ws := c.writeStart.Load(); ws != 0 && time.Duration(ns-ws) > h.timing.WriteTimeout {
		// A write stuck this long: the client stopped reading.
		c.close(closeTryLater, "too slow to keep up; reconnect")
		go func() { _ = c.ws.CloseNow() }()
		return
	}
	if !c.sess.expires.IsZero() && !now.Before(c.sess.expires) {
		c.close(closeTokenExpired, "access token expired; reconnect with a fresh one")
		return
	}
	if time.Duration(ns-c.lastWrite.Load()) >= h.timing.KeepAlive {
		c.lastWrite.Store(ns) // one keep-alive per period even while it waits in the queue
		c.send(keepAliveFrame)
	}
	if time.Duration(ns-c.lastRead.Load()) >= h.timing.Idle && c.pinging.CompareAndSwap(false, true) {
		go func() {
			defer c.pinging.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), h.timing.PingTimeout)
			defer cancel()
			if err := c.ws.Ping(ctx); err != nil {
				c.close(websocket.StatusGoingAway, "no answer to ping")
				_ = c.ws.CloseNow()
				return
			}
			c.lastRead.Store(time.Now().UnixNano())
		}()
	}
}

// unloadIdle drops the rooms without local clients for Timing.Unload; their
// documents are compacted next.
func (h *hub) unloadIdle(now time.Time) {
	var idle []uuid.UUID
	h.mu.Lock()
	for id, r := range h.rooms {
		r.mu.Lock()
		if len(r.conns) == 0 && !r.emptySince.IsZero() && now.Sub(r.emptySince) >= h.timing.Unload {
			r.unloaded = true
			delete(h.rooms, id)
			idle = append(idle, id)
		}
		r.mu.Unlock()
	}
	h.mu.Unlock()
	for _, id := range idle {
		h.bus.unfollow(id)
		h.persist.markDue(id)
	}
}

func encodeUpdateFrame(update []byte) []byte { return yprotocol.EncodeUpdate(update) }

func encodeAwarenessFrame(update []byte) []byte { return yprotocol.EncodeAwareness(update) }

// recheckLoop checks every open socket's access every Timing.Recheck.
func (h *hub) recheckLoop(ctx context.Context) {
	t := time.NewTicker(h.timing.Recheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.mu.Lock()
		conns := make([]*conn, 0, len(h.conns))
		for c := range h.conns {
			conns = append(conns, c)
		}
		h.mu.Unlock()
		h.svc.recheck(ctx, h.log, conns)
	}
}

// sweep writes orphaned streams to PostgreSQL: documents with updates in
// their stream and not in PostgreSQL, whose last update is older than
// Timing.Orphan, and that this instance does not serve (the instance that
// served them died before writing them, and nobody has opened them since).
// Every instance sweeps; doing the same document twice is harmless.
func (h *hub) sweep(ctx context.Context) {
	t := time.NewTicker(h.timing.Sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := h.bus.orphans(ctx, h.now().Add(-h.timing.Orphan), 20)
		if err != nil {
			continue
		}
		for _, id := range ids {
			h.mu.Lock()
			_, served := h.rooms[id]
			h.mu.Unlock()
			if served {
				continue // its room writes it
			}
			if err := h.adopt(ctx, id); err != nil && ctx.Err() == nil {
				h.log.Warn("collab: writing an orphaned stream failed", slog.String("chapter_id", id.String()), slog.String("error", err.Error()))
			}
		}
	}
}

// adopt writes a document's stream to PostgreSQL and compacts it, without
// loading a room.
func (h *hub) adopt(ctx context.Context, id uuid.UUID) error {
	entries, err := h.bus.readAll(ctx, id, streamID{})
	if err != nil {
		return err
	}
	_, from, err := loadSnapshot(ctx, store.New(h.persist.pool), id)
	if err != nil {
		return err
	}
	var rows []pendingRow
	for _, e := range entries {
		if e.id.after(from) {
			rows = append(rows, pendingRow{chapter: id, id: e.id, update: e.update})
		}
	}
	if len(rows) > 0 {
		h.log.Info("collab: writing an orphaned stream", slog.String("chapter_id", id.String()), slog.Int("updates", len(rows)))
		h.persist.enqueue(rows...)
		if err := h.persist.drain(ctx); err != nil {
			return err
		}
		if err := h.persist.compact(ctx, id); err != nil {
			return err
		}
		// Its instance died before rendering these edits.
		h.renders.renderNow(id, true)
		return nil // compaction unmarked it
	}
	// Nothing after the snapshot: it was written after all.
	h.bus.clean(ctx, id, from)
	if len(entries) == 0 {
		h.bus.clean(ctx, id, streamID{ms: uint64(h.now().UnixMilli())})
	}
	return nil
}
