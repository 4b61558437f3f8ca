package collab

import (
	"context"
	"log/slog"
	"strings"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/roles"
)

// admit decides whether the socket token may open chapterID: the token (an
// access token, or a ticket wrapping one) must verify and not be expired or
// revoked, the chapter must be live, and its book must be shared with the
// user (any role reads; owners and editors write). It returns the session
// and the user's role, or the close that refuses the socket.
func (s *service) admit(ctx context.Context, chapterID uuid.UUID, token string) (session, roles.Role, *closeReason) {
	if token == "" {
		return session{}, "", closeWith(closeUnauthenticated, "a token is required (?token=)")
	}
	var t *ticket
	if strings.HasPrefix(token, ticketPrefix) {
		opened, err := s.tickets.open(token)
		if err != nil {
			return session{}, "", closeWith(closeUnauthenticated, "invalid ticket")
		}
		if opened.chapter != chapterID {
			return session{}, "", closeWith(closeUnauthenticated, "this ticket is for another chapter")
		}
		if !s.now().Before(opened.expires) {
			return session{}, "", closeWith(closeUnauthenticated, "ticket expired")
		}
		t, token = &opened, opened.token
	}
	p, err := s.verifier.Verify(ctx, token)
	if err != nil {
		if apperr.Is(err, apperr.Unavailable) {
			return session{}, "", closeWith(closeTryLater, "authentication unavailable; try again later")
		}
		return session{}, "", closeWith(closeUnauthenticated, "invalid or expired token")
	}
	if !p.Expires.IsZero() && !s.now().Before(p.Expires) {
		return session{}, "", closeWith(closeUnauthenticated, "invalid or expired token")
	}
	projectID, ok, err := s.chapters.ChapterProject(ctx, chapterID)
	if err != nil {
		return session{}, "", closeWith(closeTryLater, "server unavailable; try again later")
	}
	if !ok || (t != nil && t.project != projectID) {
		return session{}, "", closeWith(closeNotFound, "chapter not found")
	}
	g, err := s.guard.Check(ctx, p.UserID, projectID, roles.Viewer)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return session{}, "", closeWith(closeNotFound, "chapter not found")
		}
		return session{}, "", closeWith(closeTryLater, "server unavailable; try again later")
	}
	return session{
		userID: p.UserID, sessionID: p.SessionID, projectID: projectID, chapterID: chapterID,
		token: token, expires: p.Expires,
	}, g.Role, nil
}

// recheck checks the open sockets again: their token (a logout or a
// revoked session ends them), their chapter (moved to the trash) and the
// user's role (removed from the book; a changed role changes what the
// socket may do, without closing it). Each distinct token, chapter and
// user-book pair is checked once. A check that cannot be answered (a
// backend fault) leaves the socket as it is until the next round.
func (s *service) recheck(ctx context.Context, log *slog.Logger, conns []*conn) {
	type roleKey struct{ user, project uuid.UUID }
	tokens := map[string]bool{}
	chapters := map[uuid.UUID]bool{}
	grants := map[roleKey]*roles.Role{}
	for _, c := range conns {
		if ctx.Err() != nil {
			return
		}
		valid, seen := tokens[c.sess.token]
		if !seen {
			_, err := s.verifier.Verify(ctx, c.sess.token)
			valid = err == nil || !apperr.Is(err, apperr.Unauthenticated)
			tokens[c.sess.token] = valid
		}
		if !valid {
			c.close(closeUnauthenticated, "session ended; sign in again")
			continue
		}
		live, seen := chapters[c.sess.chapterID]
		if !seen {
			projectID, ok, err := s.chapters.ChapterProject(ctx, c.sess.chapterID)
			live = err != nil || (ok && projectID == c.sess.projectID)
			chapters[c.sess.chapterID] = live
		}
		if !live {
			c.close(closeNotFound, "chapter not found")
			continue
		}
		k := roleKey{c.sess.userID, c.sess.projectID}
		role, seen := grants[k]
		if !seen {
			g, err := s.guard.Check(ctx, k.user, k.project, roles.Viewer)
			switch {
			case err == nil:
				role = &g.Role
			case apperr.Is(err, apperr.NotFound) || err == access.ErrNotFound:
				none := roles.Role("")
				role = &none
			default:
				log.Warn("collab: access recheck failed", slog.String("error", err.Error()))
			}
			grants[k] = role
		}
		if role == nil {
			continue
		}
		if *role == "" {
			c.close(closeForbidden, "access to this book ended")
			continue
		}
		c.writable.Store(role.AtLeast(roles.Editor))
	}
}
