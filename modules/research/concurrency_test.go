package research

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestConcurrentSavesNeverLoseWork sends two saves of the same version at
// once, for a note and for a citation: exactly one wins and the other gets
// 412.
func TestConcurrentSavesNeverLoseWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 4 {
		n := e.createNote(e.owner.Token, map[string]any{"title": "n"})
		c := e.createCitation(map[string]any{"title": "c"})
		for _, path := range []string{"notes/" + n.ID.String(), "citations/" + c.ID.String()} {
			codes := make([]int, 2)
			var wg sync.WaitGroup
			for i, tok := range []string{e.owner.Token, e.editor.Token} {
				wg.Go(func() {
					resp := e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.path(e.project, path), Token: tok,
						Header: http.Header{"If-Match": {`"1"`}}, Body: map[string]any{"title": []string{"first", "second"}[i]}})
					codes[i] = resp.StatusCode
				})
			}
			wg.Wait()
			slices.Sort(codes)
			if codes[0] != http.StatusOK || codes[1] != http.StatusPreconditionFailed {
				t.Fatalf("round %d %s: statuses %v, want one 200 and one 412", round, path, codes)
			}
		}
	}
}
