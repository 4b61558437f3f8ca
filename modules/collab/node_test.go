package collab

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/collab/collabtest"
	"github.com/thebrain/thebrain/platform/testkit"
)

// The tests in this file drive real y-websocket 3.1.0 / yjs 13.6.33 clients
// in Node (collabtest) against the server.

// nodeEnv is an env, one running instance and a pool of Node clients.
type nodeEnv struct {
	*env
	in *instance
	nc *collabtest.Clients
}

func newNodeEnv(t *testing.T) *nodeEnv {
	t.Helper()
	e := newEnv(t)
	return &nodeEnv{env: e, in: e.start(t, nil), nc: collabtest.Start(t)}
}

func (n *nodeEnv) open(t *testing.T, name, url, token string) {
	t.Helper()
	n.nc.Do(t, "open", map[string]any{"name": name, "url": url, "room": n.chapter.String(), "token": token})
}

func (n *nodeEnv) synced(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		n.nc.Do(t, "waitSynced", map[string]any{"name": name})
	}
}

func (n *nodeEnv) converge(t *testing.T, names []string, contains ...string) string {
	t.Helper()
	r := n.nc.Do(t, "waitEqual", map[string]any{"names": names, "contains": contains})
	if r["converged"] != true {
		t.Fatalf("clients did not converge on a document containing %q: %v", contains, r["states"])
	}
	st, _ := r["state"].(map[string]any)
	xml, _ := st["xml"].(string)
	return xml
}

func (n *nodeEnv) xml(t *testing.T, name string) string {
	t.Helper()
	return n.nc.Do(t, "state", map[string]any{"name": name}).Str("xml")
}

// typeAll has every client type its own text at random positions of the
// shared paragraph at once, one update per character.
func (n *nodeEnv) typeAll(t *testing.T, names []string, texts []string) {
	t.Helper()
	var typing []<-chan collabtest.Reply
	for i, name := range names {
		typing = append(typing, n.nc.Go("type", map[string]any{"name": name, "text": texts[i], "random": true, "seed": i + 1, "delay": 2}))
	}
	for _, ch := range typing {
		if r := n.nc.Wait(t, ch); !r.OK() {
			t.Fatal(r.Err())
		}
	}
}

// chars reports whether xml holds every character of text (in any order:
// concurrent typing at random positions interleaves them).
func holdsAll(xml, text string) bool {
	count := map[rune]int{}
	for _, r := range xml {
		count[r]++
	}
	for _, r := range text {
		if count[r]--; count[r] < 0 {
			return false
		}
	}
	return true
}

// TestNodeClientsConverge: four real y-websocket clients type into the
// same paragraph at random positions at once, one update per character;
// they end with identical documents holding every character.
func TestNodeClientsConverge(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	names := []string{"a", "b", "c", "d"}
	for i, name := range names {
		n.open(t, name, n.in.ws, []string{n.owner.Token, n.editor.Token}[i%2])
	}
	n.synced(t, names...)
	texts := make([]string, len(names))
	for i, name := range names {
		texts[i] = fmt.Sprintf("<%s>", strings.Repeat(name, 30))
	}
	n.typeAll(t, names, texts)
	xml := n.converge(t, names)
	if !holdsAll(xml, strings.Join(texts, "")) {
		t.Fatalf("the converged document lacks typed characters: %s", xml)
	}
}

// TestNodeLateJoinerAndOfflineEdits: a client joining after the typing
// receives the whole document; a client that edits while disconnected
// sends its edits when it reconnects, and receives what it missed.
func TestNodeLateJoinerAndOfflineEdits(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	n.open(t, "a", n.in.ws, n.owner.Token)
	n.open(t, "b", n.in.ws, n.editor.Token)
	n.synced(t, "a", "b")
	n.nc.Do(t, "type", map[string]any{"name": "a", "key": "a", "text": "written before anyone else came"})
	n.converge(t, []string{"a", "b"}, "written before anyone else came")

	n.open(t, "late", n.in.ws, n.editor.Token)
	n.synced(t, "late")
	n.converge(t, []string{"a", "b", "late"}, "written before anyone else came")

	n.nc.Do(t, "disconnect", map[string]any{"name": "b"})
	n.nc.Do(t, "type", map[string]any{"name": "b", "key": "b", "text": "typed on the train"})
	n.nc.Do(t, "type", map[string]any{"name": "a", "key": "a", "text": ", and more while b was away"})
	n.nc.Do(t, "sleep", map[string]any{"ms": 300})
	if strings.Contains(n.xml(t, "a"), "train") {
		t.Fatal("an offline edit reached another client")
	}
	n.nc.Do(t, "connect", map[string]any{"name": "b"})
	n.synced(t, "b")
	n.converge(t, []string{"a", "b", "late"}, "typed on the train", "and more while b was away")
}

// TestNodeAwareness: presence states reach the other clients (the sender's
// own echo included) and disappear from them when their client leaves.
func TestNodeAwareness(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	a := n.nc.Do(t, "open", map[string]any{"name": "a", "url": n.in.ws, "room": n.chapter.String(), "token": n.owner.Token, "clientID": 1001})
	_ = a
	n.nc.Do(t, "open", map[string]any{"name": "b", "url": n.in.ws, "room": n.chapter.String(), "token": n.viewer.Token, "clientID": 1002})
	n.synced(t, "a", "b")
	n.nc.Do(t, "setAwareness", map[string]any{"name": "a", "state": map[string]any{"user": map[string]any{"name": "Ada", "color": "#f00"}}})
	n.nc.Do(t, "setAwareness", map[string]any{"name": "b", "state": map[string]any{"user": map[string]any{"name": "Viv"}}})
	seen := n.nc.Do(t, "waitAwareness", map[string]any{"name": "b", "ids": []int{1001, 1002}})
	if st := fmt.Sprint(seen["states"]); !strings.Contains(st, "Ada") {
		t.Fatalf("b sees %s", st)
	}
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "a", "ids": []int{1001, 1002}})
	// A late joiner is greeted with the states the server knows.
	n.nc.Do(t, "open", map[string]any{"name": "c", "url": n.in.ws, "room": n.chapter.String(), "token": n.editor.Token, "clientID": 1003})
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "c", "ids": []int{1001, 1002, 1003}})
	// (A client's first state has clock 0, which y-protocols peers ignore
	// until it changes or is renewed; so c says who it is.)
	n.nc.Do(t, "setAwareness", map[string]any{"name": "c", "state": map[string]any{"user": map[string]any{"name": "Cy"}}})
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "b", "ids": []int{1001, 1002, 1003}})

	// a's connection drops without a goodbye (its socket is cut): the
	// server announces the departure of the state it owned.
	n.nc.Do(t, "destroy", map[string]any{"name": "a"})
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "b", "ids": []int{1002, 1003}, "timeout": 5000})
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "c", "ids": []int{1002, 1003}, "timeout": 5000})
}

// TestNodeReadOnlyRoles: a viewer and a commenter receive the document and
// its updates, but nothing they type reaches anyone, nor the stored
// document, and they are told once that they are read-only.
func TestNodeReadOnlyRoles(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	n.open(t, "editor", n.in.ws, n.editor.Token)
	n.open(t, "viewer", n.in.ws, n.viewer.Token)
	n.open(t, "commenter", n.in.ws, n.comm.Token)
	n.synced(t, "editor", "viewer", "commenter")
	n.nc.Do(t, "type", map[string]any{"name": "editor", "key": "e", "text": "the editor's words"})
	n.nc.Do(t, "type", map[string]any{"name": "viewer", "key": "v", "text": "VIEWER WAS HERE"})
	n.nc.Do(t, "type", map[string]any{"name": "commenter", "key": "c", "text": "COMMENTER WAS HERE"})
	for _, who := range []string{"viewer", "commenter"} {
		waitUntil(t, 10*time.Second, who+" to receive the editor's words", func() bool {
			return strings.Contains(n.xml(t, who), "the editor's words")
		})
	}
	n.nc.Do(t, "sleep", map[string]any{"ms": 500})
	if x := n.xml(t, "editor"); strings.Contains(x, "WAS HERE") {
		t.Fatalf("a read-only client's edit reached the editor: %s", x)
	}
	// A newcomer and the stored document have only the editor's words.
	n.open(t, "fresh", n.in.ws, n.owner.Token)
	n.synced(t, "fresh")
	if x := n.xml(t, "fresh"); strings.Contains(x, "WAS HERE") || !strings.Contains(x, "the editor's words") {
		t.Fatalf("the server's document: %s", x)
	}
	if got := n.in.mod.hub.stats.refused.Load(); got == 0 {
		t.Fatal("no refused update counted")
	}
}

// TestNodeRefusals: a bad token, no token, a non-member and a chapter in
// the trash are refused with a 44xx close before any document data, and
// y-websocket 3.1 does not reconnect after them.
func TestNodeRefusals(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	trashed := chapterstest.Add(t, n.pool, n.project, "Gone", 0)
	chapterstest.Trash(t, n.pool, n.project, trashed)
	cases := []struct {
		name, room, token string
		code              int
	}{
		{"bad token", n.chapter.String(), "not-a-token", 4401},
		{"no token", n.chapter.String(), "", 4401},
		{"forged ticket", n.chapter.String(), ticketPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 4401},
		{"non-member", n.chapter.String(), n.stranger.Token, 4404},
		{"trashed chapter", trashed.String(), n.owner.Token, 4404},
		{"no such chapter", uuid.NewString(), n.owner.Token, 4404},
		{"not a uuid", "chapter-one", n.owner.Token, 4404},
	}
	for i, tc := range cases {
		name := fmt.Sprintf("c%d", i)
		args := map[string]any{"name": name, "url": n.in.ws, "room": tc.room, "maxBackoff": 100}
		if tc.token != "" {
			args["token"] = tc.token
		}
		n.nc.Do(t, "open", args)
		n.nc.Do(t, "waitEvent", map[string]any{"name": name, "type": "closed", "code": tc.code})
	}
	// Well past the 100 ms backoff: nobody tried again, nobody synced.
	n.nc.Do(t, "sleep", map[string]any{"ms": 1000})
	for i, tc := range cases {
		ev := n.nc.Do(t, "events", map[string]any{"name": fmt.Sprintf("c%d", i)})
		if ev.Num("attempts") != 1 || ev["syncedOnce"] == true || ev["shouldConnect"] == true {
			t.Errorf("%s: attempts %v, synced %v, still connecting %v (events %v)", tc.name, ev["attempts"], ev["syncedOnce"], ev["shouldConnect"], ev["events"])
		}
	}
}

// TestNodeTicket: a ticket minted on the REST API opens the chapter's
// socket in place of the access token; it opens no other chapter.
func TestNodeTicket(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	other := chapterstest.Add(t, n.pool, n.project, "Two", 0)
	resp := n.in.api.Send(http.MethodPost, fmt.Sprintf("/api/v1/projects/%s/chapters/%s/collab-ticket", n.project, n.chapter), n.viewer.Token, nil)
	testkit.WantStatus(t, resp, http.StatusOK)
	var tk ticketResponse
	resp.JSON(t, &tk)
	if !strings.HasPrefix(tk.Ticket, ticketPrefix) || time.Until(tk.ExpiresAt) > TicketTTL || time.Until(tk.ExpiresAt) < TicketTTL-time.Minute {
		t.Fatalf("ticket %+v", tk)
	}
	n.open(t, "editor", n.in.ws, n.editor.Token)
	n.open(t, "viewer", n.in.ws, tk.Ticket)
	n.synced(t, "editor", "viewer")
	n.nc.Do(t, "type", map[string]any{"name": "editor", "text": "hello through a ticket"})
	n.converge(t, []string{"editor", "viewer"}, "hello through a ticket")

	n.nc.Do(t, "open", map[string]any{"name": "elsewhere", "url": n.in.ws, "room": other.String(), "token": tk.Ticket})
	n.nc.Do(t, "waitEvent", map[string]any{"name": "elsewhere", "type": "closed", "code": 4401})
}

// TestNodeTwoInstances: clients spread over two instances of one
// deployment type at once and converge; presence crosses instances too.
func TestNodeTwoInstances(t *testing.T) {
	t.Parallel()
	n := newNodeEnv(t)
	in2 := n.start(t, nil)
	names := []string{"a1", "b2", "c1", "d2"}
	for i, name := range names {
		url := n.in.ws
		if i%2 == 1 {
			url = in2.ws
		}
		n.nc.Do(t, "open", map[string]any{"name": name, "url": url, "room": n.chapter.String(), "token": n.editor.Token, "clientID": 2000 + i})
	}
	n.synced(t, names...)
	texts := make([]string, len(names))
	for i, name := range names {
		texts[i] = fmt.Sprintf("<%s>", strings.Repeat(name[:1], 25))
	}
	n.typeAll(t, names, texts)
	xml := n.converge(t, names)
	if !holdsAll(xml, strings.Join(texts, "")) {
		t.Fatalf("the converged document lacks typed characters: %s", xml)
	}
	for _, name := range names {
		n.nc.Do(t, "setAwareness", map[string]any{"name": name, "state": map[string]any{"user": name}})
	}
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "b2", "ids": []int{2000, 2001, 2002, 2003}})
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "a1", "ids": []int{2000, 2001, 2002, 2003}})
	n.nc.Do(t, "destroy", map[string]any{"name": "a1"})
	n.nc.Do(t, "waitAwareness", map[string]any{"name": "d2", "ids": []int{2001, 2002, 2003}, "timeout": 5000})
}
