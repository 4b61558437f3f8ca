package collab

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestOpenSocketsAreRechecked: while a socket is open, a logout (revoked
// session) closes it with 4401, removal from the book with 4403, the
// chapter moving to the trash with 4404, and the access token running out
// with 4001 (y-websocket reconnects after that one, with a fresh token);
// a changed role changes what the socket may do without closing it.
func TestOpenSocketsAreRechecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	within := 5 * time.Second // Recheck is 300 ms here; 5 s in production

	t.Run("logout", func(t *testing.T) {
		session := uuid.New()
		c := join(t, in, e.chapter, testkit.TokenUntil(t, e.editor.ID, session, time.Now().Add(10*time.Minute)))
		e.verifier.revoke(session)
		if code, reason := c.closed(within); code != closeUnauthenticated {
			t.Fatalf("closed with %d %q", code, reason)
		}
	})
	t.Run("token runs out", func(t *testing.T) {
		c := join(t, in, e.chapter, testkit.TokenUntil(t, e.viewer.ID, uuid.New(), time.Now().Add(2*time.Second)))
		if code, reason := c.closed(within); code != closeTokenExpired || code >= 4400 && code < 4500 {
			t.Fatalf("closed with %d %q", code, reason)
		}
	})
	t.Run("role changes", func(t *testing.T) {
		other := authtest.User(t, e.pool, "changeling")
		e.books.Share(t, e.project, other.ID, roles.Viewer)
		c := join(t, in, e.chapter, other.Token)
		w := typist{client: 41}
		c.send(yprotocol.EncodeUpdate(w.next("refused")))
		if m := c.next(); m.Type != yprotocol.MessageAuth {
			t.Fatalf("a viewer's update was answered with %+v", m)
		}
		e.books.SetRole(t, e.project, other.ID, roles.Editor)
		w = typist{client: 42}
		u := yprotocol.EncodeUpdate(w.next("accepted"))
		waitUntil(t, within, "the promotion to take effect", func() bool {
			c.send(u)
			echo, err := c.read(300 * time.Millisecond)
			return err == nil && string(echo) == string(u)
		})
		e.books.SetRole(t, e.project, other.ID, roles.Commenter)
		h := in.mod.hub
		before := h.stats.refused.Load()
		waitUntil(t, within, "the demotion to take effect", func() bool {
			c.send(yprotocol.EncodeUpdate((&typist{client: 43}).next("x")))
			time.Sleep(50 * time.Millisecond)
			return h.stats.refused.Load() > before
		})
	})
	t.Run("removed from the book", func(t *testing.T) {
		other := authtest.User(t, e.pool, "leaver")
		e.books.Share(t, e.project, other.ID, roles.Editor)
		c := join(t, in, e.chapter, other.Token)
		e.books.Remove(t, e.project, other.ID)
		if code, reason := c.closed(within); code != closeForbidden {
			t.Fatalf("closed with %d %q", code, reason)
		}
	})
	t.Run("chapter trashed", func(t *testing.T) {
		ch := chapterstest.Add(t, e.pool, e.project, "Doomed", 0)
		c := join(t, in, ch, e.owner.Token)
		chapterstest.Trash(t, e.pool, e.project, ch)
		if code, reason := c.closed(within); code != closeNotFound {
			t.Fatalf("closed with %d %q", code, reason)
		}
	})
}

// TestTicketEndpoint: any member mints a ticket for a live chapter of the
// book; the answers are problem+json otherwise.
func TestTicketEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	path := func(project, chapter uuid.UUID) string {
		return fmt.Sprintf("/api/v1/projects/%s/chapters/%s/collab-ticket", project, chapter)
	}
	for _, who := range []testkit.TestUser{e.owner, e.editor, e.comm, e.viewer} {
		resp := in.api.Send(http.MethodPost, path(e.project, e.chapter), who.Token, nil)
		testkit.WantStatus(t, resp, http.StatusOK)
		var tk ticketResponse
		resp.JSON(t, &tk)
		opened, err := in.mod.svc.tickets.open(tk.Ticket)
		if err != nil || opened.chapter != e.chapter || opened.project != e.project || opened.token != who.Token || !opened.expires.Equal(tk.ExpiresAt) {
			t.Fatalf("ticket %+v opens as %+v (%v)", tk, opened, err)
		}
		if strings.Contains(tk.Ticket, who.Token[:20]) {
			t.Fatal("the ticket shows the access token")
		}
	}
	otherBook := e.books.Create(t, e.stranger.ID, "Theirs")
	theirs := chapterstest.Add(t, e.pool, otherBook, "Theirs", 0)
	testkit.WantProblem(t, in.api.Send(http.MethodPost, path(e.project, e.chapter), e.stranger.Token, nil), 404, "not-found")
	testkit.WantProblem(t, in.api.Send(http.MethodPost, path(e.project, theirs), e.owner.Token, nil), 404, "not-found")
	testkit.WantProblem(t, in.api.Send(http.MethodPost, path(e.project, uuid.New()), e.owner.Token, nil), 404, "not-found")
	testkit.WantProblem(t, in.api.Send(http.MethodPost, path(e.project, e.chapter), "", nil), 401, "unauthenticated")
	testkit.WantProblem(t, in.api.Send(http.MethodPost, fmt.Sprintf("/api/v1/projects/%s/chapters/nope/collab-ticket", e.project), e.owner.Token, nil), 400, "validation")

	// A ticket ends with the token it wraps, when that comes first.
	short := testkit.TokenUntil(t, e.owner.ID, uuid.New(), time.Now().Add(30*time.Second))
	resp := in.api.Send(http.MethodPost, path(e.project, e.chapter), short, nil)
	testkit.WantStatus(t, resp, http.StatusOK)
	var tk ticketResponse
	resp.JSON(t, &tk)
	if time.Until(tk.ExpiresAt) > 31*time.Second {
		t.Fatalf("ticket outlives its token: %s", tk.ExpiresAt)
	}
	// An expired ticket opens nothing.
	expired := in.mod.svc.tickets.seal(ticket{chapter: e.chapter, project: e.project, expires: time.Now().Add(-time.Second), token: e.owner.Token})
	c := dial(t, in, e.chapter, expired)
	if code, _ := c.closed(5 * time.Second); code != closeUnauthenticated {
		t.Fatalf("expired ticket: closed with %d", code)
	}
}
