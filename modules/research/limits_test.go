package research

import (
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestCountLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO research_notes (project_id, title) SELECT $1, 'n' FROM generate_series(1, $2)`, e.project, MaxNotesPerProject)
	e.exec(t, `INSERT INTO citations (project_id, title) SELECT $1, 'c' FROM generate_series(1, $2)`, e.project, MaxCitationsPerProject)
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.path(e.project, "notes"), e.editor.Token, map[string]any{"title": "one too many"}), http.StatusConflict, "conflict")
	testkit.WantProblem(t, e.c.Send(http.MethodPost, e.path(e.project, "citations"), e.editor.Token, map[string]any{"title": "one too many"}), http.StatusConflict, "conflict")
	// The export holds every citation.
	resp := e.c.Get(e.path(e.project, "citations/export?format=csl-json"), e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var items []map[string]any
	resp.JSON(t, &items)
	if len(items) != MaxCitationsPerProject {
		t.Fatalf("export has %d items, want %d", len(items), MaxCitationsPerProject)
	}
}
