package collab

import (
	"fmt"
	"testing"

	"github.com/thebrain/thebrain/modules/collab/collabtest"
)

// TestNodeClientsConverge: four real y-websocket clients type into the same
// paragraph at random positions at once, one update per character; they end
// with identical documents holding every character.
func TestNodeClientsConverge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.start(t, nil)
	nc := collabtest.Start(t)
	names := []string{"a", "b", "c", "d"}
	tokens := []string{e.owner.Token, e.editor.Token, e.owner.Token, e.editor.Token}
	for i, n := range names {
		nc.Do(t, "open", map[string]any{"name": n, "url": in.ws, "room": e.chapter.String(), "token": tokens[i]})
	}
	for _, n := range names {
		nc.Do(t, "waitSynced", map[string]any{"name": n})
	}
	var typing []<-chan collabtest.Reply
	var texts []string
	for i, n := range names {
		text := fmt.Sprintf("[%s:%d]", n, i) + "the quick brown fox "
		texts = append(texts, text)
		typing = append(typing, nc.Go("type", map[string]any{"name": n, "text": text, "random": true, "seed": i + 1, "delay": 2}))
	}
	for _, ch := range typing {
		if r := nc.Wait(t, ch); !r.OK() {
			t.Fatal(r.Err())
		}
	}
	r := nc.Do(t, "waitEqual", map[string]any{"names": names})
	if r["converged"] != true {
		t.Fatalf("clients did not converge: %v", r["states"])
	}
	t.Logf("converged: %v", r["state"])
}
