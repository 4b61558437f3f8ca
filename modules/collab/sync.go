package collab

import (
	"bytes"
	"context"
	"errors"
	"log/slog"

	"github.com/coder/websocket"

	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// closeReason ends a connection: the code and fixed reason of the close
// frame, and optionally a message written just before it (y-protocols'
// "permission denied", which the client logs).
type closeReason struct {
	code   websocket.StatusCode
	reason string
	notice []byte
}

func closeWith(code websocket.StatusCode, reason string) *closeReason {
	return &closeReason{code: code, reason: reason}
}

var (
	errMalformed = closeWith(closeMalformed, "malformed message")
	errTooBig    = closeWith(closeTooLarge, "message too large")
)

const readOnlyNotice = "read-only: your role in this book cannot edit its chapters"

// handle processes one message from c, in the order the client sent them.
// It returns the reason to close c, or nil.
func (h *hub) handle(ctx context.Context, c *conn, frame []byte) *closeReason {
	m, err := h.proto.Decode(frame)
	if err != nil {
		if errors.Is(err, yprotocol.ErrLimit) {
			return errTooBig
		}
		return errMalformed
	}
	r := c.room
	switch m.Type {
	case yprotocol.MessageSync:
		if m.Sync == yprotocol.SyncStep1 {
			return h.answerStep1(c, m.Payload)
		}
		if !c.writable.Load() {
			// Commenters and viewers read; whatever they send that would
			// change the document goes nowhere.
			h.stats.refused.Add(1)
			if !c.deniedSent {
				c.deniedSent = true
				c.send(yprotocol.EncodePermissionDenied(readOnlyNotice))
			}
			return nil
		}
		relay := frame
		if m.Sync == yprotocol.SyncStep2 {
			// Other clients did not ask for a step 2: relay it as an update
			// (same payload).
			relay = nil
		}
		return h.accept(ctx, c, m.Payload, relay)
	case yprotocol.MessageAwareness:
		entries, err := h.proto.DecodeAwareness(m.Payload)
		if err != nil {
			if errors.Is(err, yprotocol.ErrLimit) {
				return errTooBig
			}
			return errMalformed
		}
		r.mu.Lock()
		update := r.relayPresence(m.Payload, frame, entries, c)
		r.mu.Unlock()
		if update != nil {
			h.bus.publishAwareness(ctx, r.id, awKindUpdate, update)
		}
	case yprotocol.MessageQueryAwareness:
		r.mu.Lock()
		states := r.awarenessStates(false)
		r.mu.Unlock()
		if states != nil {
			c.send(encodeAwarenessFrame(states))
		}
	case yprotocol.MessageAuth:
		// Only servers send permission-denied; nothing to do with one.
	}
	return nil
}

// answerStep1 sends c what it lacks, given its state vector.
func (h *hub) answerStep1(c *conn, sv []byte) *closeReason {
	if _, err := h.codec.DecodeStateVector(sv); err != nil {
		return errMalformed
	}
	r := c.room
	r.mu.Lock()
	reply, err := r.syncReply(sv)
	r.mu.Unlock()
	if err != nil {
		h.log.Error("collab: sync reply failed", slog.String("chapter_id", r.id.String()), slog.String("error", err.Error()))
		return closeWith(closeInternal, "the document could not be read")
	}
	c.send(reply)
	return nil
}

// accept commits an update from c: checked, appended to the document's
// stream (the commit point), then relayed to every local client and added
// to the room. relay is the frame to relay when it can be forwarded as
// received (an update message); nil frames it anew.
func (h *hub) accept(ctx context.Context, c *conn, update, relay []byte) *closeReason {
	if bytes.Equal(update, emptyUpdate) {
		return nil
	}
	if _, err := h.codec.ParseUpdateMeta(update); err != nil {
		if errors.Is(err, yjs.ErrLimit) {
			return errTooBig
		}
		return errMalformed
	}
	r := c.room
	if r.sizeAfter(len(update)) > h.limits.MaxDocumentBytes {
		return &closeReason{code: closeTooLarge, reason: "document too large",
			notice: yprotocol.EncodePermissionDenied("document too large: split this chapter")}
	}
	if _, err := h.bus.add(ctx, r.id, update); err != nil {
		h.log.Warn("collab: an update could not be committed; closing its socket", slog.String("chapter_id", r.id.String()), slog.String("error", err.Error()))
		return closeWith(closeTryLater, "server unavailable; reconnect")
	}
	if relay == nil {
		relay = encodeUpdateFrame(update)
	}
	r.add(update, relay)
	h.stats.updates.Add(1)
	h.renders.edited(r.id)
	return nil
}

// sizeAfter is the document's size once n more bytes are added, folding the
// tail first when the estimate is over the limit (merged updates are
// smaller than their sum).
func (r *room) sizeAfter(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.size()+n > r.hub.limits.MaxDocumentBytes {
		_ = r.fold()
	}
	return r.size() + n
}
