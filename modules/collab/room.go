package collab

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// Fold the tail into the snapshot once it holds this many updates or bytes:
// merging is cheap per input while the tail is short, and a sync reply needs
// one merged update anyway.
const (
	foldUpdates = 128
	foldBytes   = 256 << 10
)

// emptyUpdate is the Y.js update that changes nothing.
var emptyUpdate = []byte{0, 0}

// room is one loaded document on this instance: its state as one merged
// update plus the updates accepted since (never integrated into a CRDT:
// the server only merges and diffs updates), the sockets open on it here and
// the presence states it knows. The document's truth is the Redis stream
// and PostgreSQL; a room is a cache that relays.
type room struct {
	id  uuid.UUID // the chapter
	hub *hub

	mu       sync.Mutex
	snapshot []byte   // merged update
	tail     [][]byte // accepted since the last fold
	tailSize int
	sv       []byte // encoded state vector of the snapshot; nil when stale
	conns    map[*conn]struct{}
	aw       map[uint64]*awState
	// emptySince is when the last local client left (or the room loaded);
	// zero while clients are connected.
	emptySince time.Time
	unloaded   bool
}

func newRoom(h *hub, id uuid.UUID, doc []byte) *room {
	return &room{id: id, hub: h, snapshot: doc, conns: map[*conn]struct{}{}, aw: map[uint64]*awState{}, emptySince: h.now()}
}

// size is the document's size in bytes as stored (an upper bound until the
// next fold).
func (r *room) size() int { return len(r.snapshot) + r.tailSize }

// fold merges the tail into the snapshot. Call with r.mu held.
func (r *room) fold() error {
	if len(r.tail) == 0 {
		return nil
	}
	inputs := make([][]byte, 0, len(r.tail)+1)
	inputs = append(inputs, r.snapshot)
	inputs = append(inputs, r.tail...)
	merged, err := r.hub.codec.MergeUpdates(inputs)
	if err != nil {
		return fmt.Errorf("fold %d updates into the document: %w", len(r.tail), err)
	}
	r.snapshot, r.sv = merged, nil
	clear(r.tail)
	r.tail, r.tailSize = r.tail[:0], 0
	return nil
}

// stateVector is the encoded state vector of the whole document (folding
// first). Call with r.mu held.
func (r *room) stateVector() ([]byte, error) {
	if err := r.fold(); err != nil {
		return nil, err
	}
	if r.sv == nil {
		sv, err := r.hub.codec.EncodeStateVectorFromUpdate(r.snapshot)
		if err != nil {
			return nil, fmt.Errorf("state vector of the document: %w", err)
		}
		r.sv = sv
	}
	return r.sv, nil
}

// syncReply answers a client's sync step 1 (its state vector) with what it
// lacks. Call with r.mu held.
func (r *room) syncReply(clientSV []byte) ([]byte, error) {
	if err := r.fold(); err != nil {
		return nil, err
	}
	diff, err := r.hub.codec.DiffUpdate(r.snapshot, clientSV)
	if err != nil {
		return nil, err
	}
	return yprotocol.EncodeSyncStep2(diff), nil
}

// add appends an accepted update (already in the stream) and relays frame to
// every local client, the sender included: the echo is harmless (updates
// are idempotent) and y-websocket 4 reads it as the server's receipt.
func (r *room) add(update, frame []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tail = append(r.tail, update)
	r.tailSize += len(update)
	r.sv = nil
	if len(r.tail) >= foldUpdates || r.tailSize >= foldBytes {
		if err := r.fold(); err != nil {
			// The tail stays as it is: the updates are not lost, the next
			// fold or a reload tries again.
			r.hub.log.Error("collab: fold failed", slog.String("chapter_id", r.id.String()), slog.String("error", err.Error()))
		}
	}
	for c := range r.conns {
		c.send(frame)
	}
}

// broadcast queues frame for every local client. Call with r.mu held.
func (r *room) broadcast(frame []byte) {
	for c := range r.conns {
		c.send(frame)
	}
}

// merge folds a whole document (a reload after a Redis fault) into the
// room's state.
func (r *room) merge(doc []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tail = append(r.tail, doc)
	r.tailSize += len(doc)
	r.sv = nil
	return r.fold()
}
