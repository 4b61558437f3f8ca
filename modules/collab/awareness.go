package collab

import (
	"bytes"
	"context"
	"time"

	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// Presence (awareness) follows y-protocols: a state replaces the one held
// when its clock is newer, or equal with a null state (a removal). The
// server keeps a table of the states and relays what changed it, to every
// client of the document (the sender too, as y-websocket-server does) and
// to the other instances; the table also greets new clients, answers
// queries and announces the departure of the clients of a socket that
// closed.
//
// Relaying only changes matters: y-websocket sends back every presence
// update it applies, including other clients' (its provider's handler does
// not look at the origin). Relayed blindly, one renewal from each of n
// clients came back n-1 times from each and went out to all n again, n³
// messages every 15 s (125,000 for 50 clients, a quarter-second stall in
// a browser tab). Those copies carry a clock the table already has; they
// stop here.

// awState is the last presence state of one client id.
type awState struct {
	clock uint64
	state []byte    // JSON; never "null" (removed entries are deleted)
	owner *conn     // the local socket that introduced it; nil when remote
	seen  time.Time // last renewal
}

var nullState = []byte("null")

// applyAwareness records entries from owner (nil: another instance) and
// returns those that changed the table, the ones to relay (in entries'
// backing array). Call with r.mu held.
func (r *room) applyAwareness(entries []yprotocol.AwarenessEntry, owner *conn, now time.Time) []yprotocol.AwarenessEntry {
	changed := entries[:0]
	for _, e := range entries {
		cur, known := r.aw[e.ClientID]
		removed := e.Removed()
		switch {
		case !known && removed:
			continue
		case known && e.Clock < cur.clock:
			continue
		case known && e.Clock == cur.clock && !removed:
			// The same state again: a client echoing what it was sent
			// (y-websocket does), or one that reconnected (here, or after
			// being seen through another instance) and resends its state
			// with the clock it had. Only the latter takes the state over:
			// y-websocket sends its own state before anything else, so a
			// socket that has introduced no state yet is the client
			// coming back, and an echo comes from one that has.
			cur.seen = now
			if owner != nil && cur.owner != owner && len(owner.aw) == 0 {
				r.disown(e.ClientID)
				cur.owner = owner
				owner.aw[e.ClientID] = struct{}{}
			}
			continue
		}
		changed = append(changed, e)
		if removed {
			r.disown(e.ClientID)
			delete(r.aw, e.ClientID)
			continue
		}
		if known && cur.owner != owner {
			r.disown(e.ClientID)
		}
		if owner != nil {
			owner.aw[e.ClientID] = struct{}{}
		}
		r.aw[e.ClientID] = &awState{clock: e.Clock, state: bytes.Clone(e.State), owner: owner, seen: now}
	}
	return changed
}

// relayPresence records entries, decoded from update, from owner (nil:
// another instance) and relays what changed the table to the room's
// clients: frame (update's message; nil: framed here) when all of it did,
// the changed entries alone when some did. It returns the update carrying
// the change, nil when nothing changed. Call with r.mu held.
func (r *room) relayPresence(update, frame []byte, entries []yprotocol.AwarenessEntry, owner *conn) []byte {
	n := len(entries)
	changed := r.applyAwareness(entries, owner, r.hub.now())
	switch {
	case len(changed) == 0: // copies, or nothing at all
		return nil
	case len(changed) < n:
		update, frame = yprotocol.EncodeAwarenessUpdate(changed), nil
	}
	if frame == nil {
		frame = encodeAwarenessFrame(update)
	}
	r.broadcast(frame)
	return update
}

func (r *room) disown(clientID uint64) {
	if cur, ok := r.aw[clientID]; ok && cur.owner != nil {
		delete(cur.owner.aw, clientID)
	}
}

// awarenessStates encodes every known state (for a greeting or a query),
// or returns nil when there are none. Call with r.mu held.
func (r *room) awarenessStates(onlyLocal bool) []byte {
	entries := make([]yprotocol.AwarenessEntry, 0, len(r.aw))
	for id, s := range r.aw {
		if onlyLocal && s.owner == nil {
			continue
		}
		entries = append(entries, yprotocol.AwarenessEntry{ClientID: id, Clock: s.clock, State: s.state})
	}
	if len(entries) == 0 {
		return nil
	}
	return yprotocol.EncodeAwarenessUpdate(entries)
}

// departures removes the states c owns and returns the awareness update
// announcing their removal (nil when it owned none). It reuses each
// client's last clock, as y-websocket-server does: peers accept a null
// state at an equal clock. Call with r.mu held.
func (r *room) departures(c *conn) []byte {
	if len(c.aw) == 0 {
		return nil
	}
	entries := make([]yprotocol.AwarenessEntry, 0, len(c.aw))
	for id := range c.aw {
		if s, ok := r.aw[id]; ok && s.owner == c {
			entries = append(entries, yprotocol.AwarenessEntry{ClientID: id, Clock: s.clock, State: nullState})
			delete(r.aw, id)
		}
	}
	clear(c.aw)
	if len(entries) == 0 {
		return nil
	}
	return yprotocol.EncodeAwarenessUpdate(entries)
}

// expireAwareness drops states not renewed since before. Clients drop them
// on their own after the same time, so no removal is sent. Call with r.mu
// held.
func (r *room) expireAwareness(before time.Time) {
	for id, s := range r.aw {
		if s.seen.Before(before) {
			r.disown(id)
			delete(r.aw, id)
		}
	}
}

// remotePresence applies and relays an awareness update from another
// instance.
func (r *room) remotePresence(update []byte) {
	entries, err := r.hub.proto.DecodeAwareness(update)
	if err != nil {
		return // another instance checked it already; nothing to do with garbage
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.relayPresence(update, nil, entries, nil)
}

// answerPresenceQuery sends the states of this instance's clients to the
// other instances (one of them just loaded the document).
func (r *room) answerPresenceQuery() {
	r.mu.Lock()
	states := r.awarenessStates(true)
	r.mu.Unlock()
	if states != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r.hub.bus.publishAwareness(ctx, r.id, awKindUpdate, states)
	}
}
