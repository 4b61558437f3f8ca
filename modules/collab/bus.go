package collab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/redis"
)

// The bus connects the instances that host the same document.
//
// Updates go through the document's Redis stream, which is the commit
// point: an update is appended (XADD) before any client sees it, and every
// instance hosting the document reads the stream in order with one XREAD
// loop over all its documents. Streams are ordered and replayable, so an
// instance that lost its connection resumes where it stopped; pub/sub
// alone would silently lose messages and leave instances diverged.
//
// Presence goes through pub/sub (losing a message there only delays a
// cursor until the client renews its state, every 15 s).
//
// Keys: the stream {prefix}collab:{<chapter>}:log (fields d: the update,
// i: the instance that accepted it), the channel {prefix}collab:{<chapter>}:aw
// (the braces are a Redis Cluster hash tag: a document's keys share a slot),
// and the instance's wake-up stream, which interrupts its blocked XREAD
// when it starts hosting another document.

const (
	readBlock = 5 * time.Second
	readCount = 512
	rangePage = 1000
)

// entry is one update of a document's stream.
type entry struct {
	id       streamID
	update   []byte
	instance string
}

// streamFollow is where the reader is in one hosted document's stream.
type streamFollow struct {
	room *room
	last streamID // the last entry read
	// added is the last entry this instance appended: with last, how far
	// the stream is known to reach (a Redis that lost entries is behind).
	added streamID
}

type bus struct {
	h    *hub
	rdb  *redis.Client
	keys redis.Keys

	mu        sync.Mutex
	follows   map[uuid.UUID]*streamFollow
	byKey     map[string]uuid.UUID // stream key → chapter
	byChannel map[string]uuid.UUID // presence channel → chapter
	wakeKey   string

	ps *goredis.PubSub
}

func newBus(h *hub, rdb *redis.Client, keys redis.Keys) *bus {
	return &bus{
		h: h, rdb: rdb, keys: keys,
		follows: map[uuid.UUID]*streamFollow{}, byKey: map[string]uuid.UUID{}, byChannel: map[string]uuid.UUID{},
		wakeKey: keys.Key("collab", "wake", h.instance),
	}
}

func (b *bus) streamKey(id uuid.UUID) string {
	return b.keys.Key("collab", "{"+id.String()+"}", "log")
}

func (b *bus) awarenessChannel(id uuid.UUID) string {
	return b.keys.Key("collab", "{"+id.String()+"}", "aw")
}

// dirtyKey is the sorted set of documents whose streams may hold updates
// not yet in PostgreSQL, scored with the milliseconds of their last entry.
func (b *bus) dirtyKey() string { return b.keys.Key("collab", "dirty") }

// addScript appends to a stream and marks its document dirty with the new
// entry's time, in one round trip.
var addScript = goredis.NewScript(`
local id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[1], 'i', ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(string.match(id, '^(%d+)')), ARGV[3])
return id
`)

// cleanScript unmarks a document whose stream has nothing after ARGV[2]
// (milliseconds) that is not in PostgreSQL.
var cleanScript = goredis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`)

// add appends an update to the document's stream: once it returns, the
// update is committed (relayed, persisted, replayed to late readers).
func (b *bus) add(ctx context.Context, id uuid.UUID, update []byte) (streamID, error) {
	raw, err := addScript.Run(ctx, b.rdb, []string{b.streamKey(id), b.dirtyKey()}, update, b.h.instance, id.String()).Text()
	if err != nil {
		return streamID{}, fmt.Errorf("append to the document stream: %w", err)
	}
	sid, err := parseStreamID(raw)
	if err != nil {
		return streamID{}, err
	}
	b.mu.Lock()
	if f := b.follows[id]; f != nil && sid.after(f.added) {
		f.added = sid
	}
	b.mu.Unlock()
	return sid, nil
}

// lost reports whether the document's stream lost entries this instance
// read or appended (a Redis restarted without them), or cannot tell.
func (b *bus) lost(ctx context.Context, id uuid.UUID) bool {
	b.mu.Lock()
	f := b.follows[id]
	var high streamID
	if f != nil {
		high = f.last
		if f.added.after(high) {
			high = f.added
		}
	}
	b.mu.Unlock()
	if high.isZero() {
		return false
	}
	info, err := b.rdb.XInfoStream(ctx, b.streamKey(id)).Result()
	if err != nil {
		return true // gone (or unknown): assume the worst
	}
	last, err := parseStreamID(info.LastGeneratedID)
	return err != nil || high.after(last)
}

// readAll returns the stream's entries after after (all of them when after
// is zero), in pages.
func (b *bus) readAll(ctx context.Context, id uuid.UUID, after streamID) ([]entry, error) {
	key := b.streamKey(id)
	start := "-"
	if !after.isZero() {
		start = "(" + after.String()
	}
	var out []entry
	for {
		msgs, err := b.rdb.XRangeN(ctx, key, start, "+", rangePage).Result()
		if err != nil {
			return nil, fmt.Errorf("read the document stream: %w", err)
		}
		for _, m := range msgs {
			e, err := toEntry(m)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if len(msgs) < rangePage {
			return out, nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

func toEntry(m goredis.XMessage) (entry, error) {
	id, err := parseStreamID(m.ID)
	if err != nil {
		return entry{}, err
	}
	d, _ := m.Values["d"].(string)
	i, _ := m.Values["i"].(string)
	return entry{id: id, update: []byte(d), instance: i}, nil
}

// trim drops the stream's entries before minID (compacted long enough ago
// that no reader needs them).
func (b *bus) trim(ctx context.Context, id uuid.UUID, minID streamID) error {
	return b.rdb.XTrimMinID(ctx, b.streamKey(id), minID.String()).Err()
}

// follow makes the reader deliver the document's entries after last to r.
func (b *bus) follow(r *room, last streamID) {
	b.mu.Lock()
	b.follows[r.id] = &streamFollow{room: r, last: last}
	b.byKey[b.streamKey(r.id)] = r.id
	b.byChannel[b.awarenessChannel(r.id)] = r.id
	b.mu.Unlock()
	b.wake()
	if b.ps != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := b.ps.Subscribe(ctx, b.awarenessChannel(r.id)); err != nil {
			b.h.log.Warn("collab: subscribe to presence", slog.String("chapter_id", r.id.String()), slog.String("error", err.Error()))
		}
	}
}

// unfollow stops reading the document's stream (the room unloads).
func (b *bus) unfollow(id uuid.UUID) {
	b.mu.Lock()
	delete(b.follows, id)
	delete(b.byKey, b.streamKey(id))
	delete(b.byChannel, b.awarenessChannel(id))
	b.mu.Unlock()
	if b.ps != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = b.ps.Unsubscribe(ctx, b.awarenessChannel(id))
	}
}

// wake interrupts the blocked XREAD so it picks up the new set of streams.
func (b *bus) wake() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pipe := b.rdb.Pipeline()
	pipe.XAdd(ctx, &goredis.XAddArgs{Stream: b.wakeKey, MaxLen: 1, ID: "*", Values: []any{"w", "1"}})
	pipe.Expire(ctx, b.wakeKey, time.Minute)
	_, _ = pipe.Exec(ctx)
}

// position returns the last entry read of a hosted document.
func (b *bus) position(id uuid.UUID) (streamID, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.follows[id]
	if !ok {
		return streamID{}, false
	}
	return f.last, true
}

// read runs the XREAD loop until ctx ends. After a Redis fault it resumes
// from each document's last id, and has every room ask its clients for what
// the server may have lost (resync).
func (b *bus) read(ctx context.Context) {
	wakeLast := "$"
	faulted := false
	for ctx.Err() == nil {
		b.mu.Lock()
		streams := make([]string, 0, 2*len(b.follows)+2)
		ids := make([]string, 0, len(b.follows)+1)
		for id, f := range b.follows {
			streams = append(streams, b.streamKey(id))
			ids = append(ids, f.last.String())
		}
		b.mu.Unlock()
		streams = append(streams, b.wakeKey)
		ids = append(ids, wakeLast)
		res, err := b.rdb.XRead(ctx, &goredis.XReadArgs{Streams: append(streams, ids...), Count: readCount, Block: readBlock}).Result()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !faulted {
				b.h.log.Warn("collab: reading document streams failed; resuming when Redis answers", slog.String("error", err.Error()))
			}
			faulted = true
			b.rdb.ReportFailure(ctx, err)
			select {
			case <-ctx.Done():
				return
			case <-b.rdb.Recovered():
			case <-time.After(time.Second):
			}
			continue
		}
		if faulted {
			faulted = false
			b.h.log.Info("collab: reading document streams again")
			b.h.resyncAll(false)
		}
		for _, s := range res {
			if s.Stream == b.wakeKey {
				if n := len(s.Messages); n > 0 {
					wakeLast = s.Messages[n-1].ID
				}
				continue
			}
			b.deliver(s)
		}
	}
}

// deliver hands a batch of one stream's entries to its room (relayed unless
// this instance accepted them) and to the persister (always: whichever
// instance reads an entry writes it to PostgreSQL, so an instance that dies
// before its own write loses nothing).
func (b *bus) deliver(s goredis.XStream) {
	b.mu.Lock()
	id, ok := b.byKey[s.Stream]
	var f *streamFollow
	if ok {
		f = b.follows[id]
	}
	b.mu.Unlock()
	if f == nil {
		return
	}
	rows := make([]pendingRow, 0, len(s.Messages))
	var last streamID
	for _, m := range s.Messages {
		e, err := toEntry(m)
		if err != nil {
			b.h.log.Error("collab: unreadable stream entry", slog.String("chapter_id", id.String()), slog.String("error", err.Error()))
			continue
		}
		last = e.id
		rows = append(rows, pendingRow{chapter: id, id: e.id, update: e.update})
		if e.instance != b.h.instance {
			f.room.add(e.update, encodeUpdateFrame(e.update))
		}
	}
	b.h.persist.enqueue(rows...)
	b.mu.Lock()
	if cur, ok := b.follows[id]; ok && cur == f && last.after(f.last) {
		f.last = last
	}
	b.mu.Unlock()
}

// Presence messages on a document's channel: the sending instance's id,
// one kind byte, then the body.
const (
	awKindUpdate = 'u' // body: an awareness update
	awKindQuery  = 'q' // no body: send your local clients' states
)

func (b *bus) publishAwareness(ctx context.Context, id uuid.UUID, kind byte, body []byte) {
	msg := make([]byte, 0, len(b.h.instance)+1+len(body))
	msg = append(msg, b.h.instance...)
	msg = append(msg, kind)
	msg = append(msg, body...)
	if err := b.rdb.Publish(ctx, b.awarenessChannel(id), msg).Err(); err != nil && !errors.Is(err, redis.ErrUnavailable) {
		b.h.log.Warn("collab: publish presence", slog.String("chapter_id", id.String()), slog.String("error", err.Error()))
	}
}

// listen receives the presence messages of hosted documents until ctx ends.
// go-redis resubscribes by itself after a reconnect; what was published
// meanwhile is lost, and comes back with the clients' next renewal.
func (b *bus) listen(ctx context.Context) {
	ch := b.ps.Channel(goredis.WithChannelHealthCheckInterval(10*time.Second), goredis.WithChannelSize(1024))
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			b.onPresence(m.Channel, []byte(m.Payload))
		}
	}
}

func (b *bus) onPresence(channel string, msg []byte) {
	n := len(b.h.instance)
	if len(msg) < n+1 || string(msg[:n]) == b.h.instance {
		return
	}
	b.mu.Lock()
	var r *room
	if f := b.follows[b.byChannel[channel]]; f != nil {
		r = f.room
	}
	b.mu.Unlock()
	if r == nil {
		return
	}
	switch msg[n] {
	case awKindUpdate:
		r.remotePresence(msg[n+1:])
	case awKindQuery:
		r.answerPresenceQuery()
	}
}

// watchEvery is how often the instance checks which Redis server it talks to.
const watchEvery = 2 * time.Second

// watchServer notices a Redis restart or fail-over (its run_id changes) and
// has every room repair what the new server may lack. A restart can be
// invisible otherwise: go-redis retries a command that failed on a broken
// connection, and the streams just go on, without their last entries.
func (b *bus) watchServer(ctx context.Context) {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	known := b.serverID(ctx) // at once: a restart before the first tick counts too
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		id := b.serverID(ctx)
		if id == "" {
			continue
		}
		if known != "" && id != known {
			b.h.log.Warn("collab: Redis restarted or failed over; repairing the documents served here")
			b.h.resyncAll(true)
		}
		known = id
	}
}

// serverID is the Redis server's run_id ("" when it cannot tell).
func (b *bus) serverID(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := b.rdb.Info(ctx, "server").Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
			return v
		}
	}
	return ""
}

// clean unmarks a document whose stream is in PostgreSQL up to through.
func (b *bus) clean(ctx context.Context, id uuid.UUID, through streamID) {
	_ = cleanScript.Run(ctx, b.rdb, []string{b.dirtyKey()}, id.String(), through.ms).Err()
}

// orphans lists up to n dirty documents whose last entry is older than
// before: whoever served them stopped without writing everything.
func (b *bus) orphans(ctx context.Context, before time.Time, n int64) ([]uuid.UUID, error) {
	members, err := b.rdb.ZRangeArgs(ctx, goredis.ZRangeArgs{
		Key: b.dirtyKey(), ByScore: true, Start: "-inf", Stop: "(" + strconv.FormatInt(before.UnixMilli(), 10), Count: n,
	}).Result()
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, 0, len(members))
	for _, m := range members {
		if id, err := uuid.Parse(m); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// forget deletes the stream of a chapter that no longer exists.
func (b *bus) forget(ctx context.Context, id uuid.UUID) {
	pipe := b.rdb.Pipeline()
	pipe.Del(ctx, b.streamKey(id))
	pipe.ZRem(ctx, b.dirtyKey(), id.String())
	_, _ = pipe.Exec(ctx)
}
