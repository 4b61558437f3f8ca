package collab

import (
	"fmt"
	"slices"
	"testing"

	"github.com/coder/websocket"

	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

func presence(entries ...yprotocol.AwarenessEntry) []byte {
	return yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate(entries))
}

func state(id, clock uint64, name string) yprotocol.AwarenessEntry {
	s := []byte("null")
	if name != "" {
		s = fmt.Appendf(nil, `{"user":{"name":%q}}`, name)
	}
	return yprotocol.AwarenessEntry{ClientID: id, Clock: clock, State: s}
}

// nextPresence returns the entries of the next awareness message with any
// (keep-alives are empty ones), as "id@clock:state".
func (c *rawClient) nextPresence() []string {
	c.t.Helper()
	for {
		m := c.next()
		if m.Type != yprotocol.MessageAwareness {
			continue
		}
		entries, err := yprotocol.DecodeAwareness(m.Payload)
		if err != nil {
			c.t.Fatalf("presence %x: %v", m.Payload, err)
		}
		if len(entries) == 0 {
			continue
		}
		out := make([]string, len(entries))
		for i, e := range entries {
			out[i] = fmt.Sprintf("%d@%d:%s", e.ClientID, e.Clock, e.State)
		}
		return out
	}
}

func wantPresence(t *testing.T, who string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s received presence %v, want %v", who, got, want)
	}
}

// TestPresenceRelaysChangesOnly: y-websocket sends its own state when it
// connects, then sends back every presence update it applies, other
// clients' included. The server relays what is new (to everyone, the
// sender too, and to the other instances) and stops the copies; a copy
// does not make the socket that sent it the state's owner, so each state
// departs with its own client's socket, here and on another instance.
func TestPresenceRelaysChangesOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in1, in2 := e.start(t, nil), e.start(t, nil)
	a := join(t, in1, e.chapter, e.owner.Token)
	b := join(t, in1, e.chapter, e.editor.Token)
	c := join(t, in2, e.chapter, e.viewer.Token)
	all := map[string]*rawClient{"a": a, "b": b, "c (other instance)": c}

	ada, bob, cy, dan := state(11, 1, "Ada"), state(12, 1, "Bob"), state(13, 1, "Cy"), state(14, 1, "Dan")
	for _, own := range []struct {
		c *rawClient
		e yprotocol.AwarenessEntry
	}{{a, ada}, {b, bob}, {c, cy}} {
		own.c.send(presence(own.e))
		for name, cl := range all {
			wantPresence(t, name, cl.nextPresence(), fmt.Sprintf("%d@1:%s", own.e.ClientID, own.e.State))
		}
	}

	// The copies stop at the server: what each client receives next is the
	// one new state in a's message, alone.
	b.send(presence(ada, cy))
	c.send(presence(ada, bob))
	a.send(presence(ada, bob, cy, dan))
	for name, cl := range all {
		wantPresence(t, name, cl.nextPresence(), "14@1:"+string(dan.State))
	}

	// c leaves: only its own state departs (not Ada's, which it copied).
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	wantPresence(t, "a", a.nextPresence(), "13@1:null")
	wantPresence(t, "b", b.nextPresence(), "13@1:null")
	// a leaves: both states it introduced depart (b's copy took neither).
	_ = a.ws.Close(websocket.StatusNormalClosure, "")
	gone := b.nextPresence()
	slices.Sort(gone)
	wantPresence(t, "b", gone, "11@1:null", "14@1:null")
}
