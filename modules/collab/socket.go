package collab

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/roles"
)

// serve runs one accepted socket to its end. Refusals happen after the
// upgrade, as close codes, and before any document data is sent:
// y-websocket retries an HTTP error forever, while it stops on 44xx.
func (h *hub) serve(ctx context.Context, ws *websocket.Conn, chapterID uuid.UUID, token string) {
	switch h.state.Load() {
	case hubRunning:
	case hubDraining:
		_ = ws.Close(closeGoingAway, "server restarting; reconnect")
		return
	default:
		_ = ws.Close(closeTryLater, "collaboration is not available here; try again later")
		return
	}
	if chapterID == uuid.Nil {
		_ = ws.Close(closeNotFound, "chapter not found")
		return
	}
	sess, role, refused := h.svc.admit(ctx, chapterID, token)
	if refused != nil {
		_ = ws.Close(refused.code, refused.reason)
		return
	}
	c := newConn(h, ws, sess, role.AtLeast(roles.Editor))
	if err := h.leases.acquire(ctx, c); err != nil {
		reason := "server unavailable; try again later"
		if errors.Is(err, errTooManyForUser) || errors.Is(err, errTooManyForDoc) {
			reason = err.Error()
		} else {
			h.log.Warn("collab: connection limits unavailable", slog.String("error", err.Error()))
		}
		_ = ws.Close(closeTryLater, reason)
		return
	}
	defer h.leases.release(c)
	if err := h.open(ctx, c); err != nil {
		switch {
		case errors.Is(err, errDraining):
			_ = ws.Close(closeGoingAway, "server restarting; reconnect")
		case errors.Is(err, context.Canceled):
			_ = ws.CloseNow()
		default:
			h.log.Error("collab: loading a document failed", slog.String("chapter_id", chapterID.String()), slog.String("error", err.Error()))
			_ = ws.Close(closeTryLater, "the document could not be loaded; try again later")
		}
		return
	}
	defer h.leave(c)
	go c.writeLoop()
	for {
		frame, err := c.readMessage(h.limits.MaxMessageBytes)
		switch {
		case errors.Is(err, errText):
			h.end(c, closeWith(closeUnsupported, "binary messages only"))
			return
		case errors.Is(err, errTooLarge):
			h.end(c, errTooBig)
			return
		case err != nil:
			c.close(websocket.StatusNormalClosure, "") // the client left, or we closed it
			return
		}
		now := h.now()
		c.lastRead.Store(now.UnixNano())
		if !c.bucket.take(now) {
			h.end(c, closeWith(closeRateLimited, "too many messages"))
			return
		}
		if why := h.handle(ctx, c, frame); why != nil {
			h.end(c, why)
			return
		}
	}
}

// end closes c for why, writing its notice first.
func (h *hub) end(c *conn, why *closeReason) {
	if why.notice != nil {
		wctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = c.ws.Write(wctx, websocket.MessageBinary, why.notice)
		cancel()
	}
	c.close(why.code, why.reason)
}
