package research

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestEveryRouteChecksTheRole runs every route as each role, as a
// non-member and anonymously, and with ids of another project.
func TestEveryRouteChecksTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type fixture struct{ note, citation, trashedNote, trashedCitation uuid.UUID }
	mk := func() fixture {
		n := e.createNote(e.owner.Token, map[string]any{"title": "n"})
		tn := e.createNote(e.owner.Token, map[string]any{"title": "trashed"})
		c := e.createCitation(map[string]any{"title": "c"})
		tc := e.createCitation(map[string]any{"title": "trashed"})
		testkit.WantStatus(t, e.c.Send("DELETE", e.path(e.project, "notes/"+tn.ID.String()), e.owner.Token, nil), 204)
		testkit.WantStatus(t, e.c.Send("DELETE", e.path(e.project, "citations/"+tc.ID.String()), e.owner.Token, nil), 204)
		return fixture{n.ID, c.ID, tn.ID, tc.ID}
	}
	routes := []struct {
		method, path string // {n} {c} {tn} {tc}
		body         any
		min          string
		ok           int
	}{
		{"GET", "notes", nil, RoleViewer, 200},
		{"GET", "notes?q=word", nil, RoleViewer, 200},
		{"POST", "notes", map[string]any{"title": "x"}, RoleEditor, 201},
		{"GET", "notes/{n}", nil, RoleViewer, 200},
		{"PUT", "notes/{n}", map[string]any{"title": "x", "version": 1}, RoleEditor, 200},
		{"PATCH", "notes/{n}", map[string]any{"body": "x", "version": 1}, RoleEditor, 200},
		{"DELETE", "notes/{n}", nil, RoleEditor, 204},
		{"POST", "notes/{tn}/restore", nil, RoleEditor, 200},
		{"GET", "citations", nil, RoleViewer, 200},
		{"POST", "citations", map[string]any{"title": "x"}, RoleEditor, 201},
		{"GET", "citations/export?format=bibtex", nil, RoleViewer, 200},
		{"GET", "citations/{c}", nil, RoleViewer, 200},
		{"PUT", "citations/{c}", map[string]any{"title": "x", "version": 1}, RoleEditor, 200},
		{"PATCH", "citations/{c}", map[string]any{"year": 1999, "version": 1}, RoleEditor, 200},
		{"DELETE", "citations/{c}", nil, RoleEditor, 204},
		{"POST", "citations/{tc}/restore", nil, RoleEditor, 200},
	}
	callers := []struct {
		name string
		user testkit.TestUser
		role string
	}{
		{"owner", e.owner, RoleOwner}, {"editor", e.editor, RoleEditor}, {"commenter", e.comm, RoleCommenter},
		{"viewer", e.viewer, RoleViewer}, {"non-member", e.stranger, ""},
	}
	expand := func(p string, f fixture, project uuid.UUID) string {
		p = strings.NewReplacer("{n}", f.note.String(), "{c}", f.citation.String(), "{tn}", f.trashedNote.String(), "{tc}", f.trashedCitation.String()).Replace(p)
		return e.path(project, p)
	}
	for _, rt := range routes {
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, c.name), func(t *testing.T) {
				resp := e.c.Send(rt.method, expand(rt.path, mk(), e.project), c.user.Token, rt.body)
				switch {
				case c.role == "":
					testkit.WantProblem(t, resp, http.StatusNotFound, "not-found")
				case testkit.RoleRank[c.role] < testkit.RoleRank[rt.min]:
					testkit.WantProblem(t, resp, http.StatusForbidden, "forbidden")
				default:
					testkit.WantStatus(t, resp, rt.ok)
				}
			})
		}
		t.Run(fmt.Sprintf("%s %s anonymous", rt.method, rt.path), func(t *testing.T) {
			testkit.WantProblem(t, e.c.Send(rt.method, expand(rt.path, mk(), e.project), "", rt.body), http.StatusUnauthorized, "unauthenticated")
		})
		if strings.Contains(rt.path, "{") {
			t.Run(fmt.Sprintf("%s %s with ids of another project", rt.method, rt.path), func(t *testing.T) {
				testkit.WantProblem(t, e.c.Send(rt.method, expand(rt.path, mk(), e.other), e.stranger.Token, rt.body), http.StatusNotFound, "not-found")
			})
		}
	}
}
