package research

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestEveryRouteNeedsItsRole runs every route as each role, as a
// non-member and anonymously: reading needs a viewer, every write an
// editor.
func TestEveryRouteNeedsItsRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	note := func(t *testing.T) noteResponse {
		return e.createNote(t, e.owner.Token, map[string]any{"title": "n", "body": "word"})
	}
	citation := func(t *testing.T) citationResponse { return e.createCitation(t, map[string]any{"title": "c"}) }
	req := func(method, rest string, body any) testkit.Request {
		return testkit.Request{Method: method, Path: e.path(e.project, rest), Body: body}
	}
	// wantNote and wantCitation compare an answer with what it should be;
	// updated_at is the database's to move.
	wantNote := func(t *testing.T, want noteResponse, resp *testkit.Response) {
		t.Helper()
		var got noteResponse
		resp.JSON(t, &got)
		if d := cmp.Diff(want, got, cmpopts.IgnoreFields(noteResponse{}, "UpdatedAt")); d != "" {
			t.Errorf("note (-want +got):\n%s", d)
		}
	}
	wantCitation := func(t *testing.T, want citationResponse, resp *testkit.Response) {
		t.Helper()
		var got citationResponse
		resp.JSON(t, &got)
		if d := cmp.Diff(want, got, cmpopts.IgnoreFields(citationResponse{}, "UpdatedAt")); d != "" {
			t.Errorf("citation (-want +got):\n%s", d)
		}
	}

	// What a case's Request made, for its Check: the matrix runs a caller's
	// Request and Check one after the other.
	var created noteResponse
	var createdCite citationResponse
	ids := map[string]uuid.UUID{"owner": e.owner.ID, "editor": e.editor.ID}
	cases := []testkit.RoleCase{
		{Name: "list notes", Least: roles.Viewer, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("GET", "notes", nil)
		}},
		{Name: "search notes", Least: roles.Viewer, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("GET", "notes?q=word", nil)
		}},
		{Name: "create note", Least: roles.Editor, OK: 201, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("POST", "notes", map[string]any{"title": "x"})
		}, Check: func(t *testing.T, c testkit.Caller, resp *testkit.Response) {
			var got noteResponse
			resp.JSON(t, &got)
			if got.AuthorID == nil || *got.AuthorID != ids[c.Name] || got.Title != "x" || got.Version != 1 {
				t.Errorf("created note = %+v", got)
			}
		}},
		{Name: "get note", Least: roles.Viewer, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			created = note(t)
			return req("GET", "notes/"+created.ID.String(), nil)
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) { wantNote(t, created, resp) }},
		{Name: "put note", Least: roles.Editor, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			created = note(t)
			return req("PUT", "notes/"+created.ID.String(), map[string]any{"title": "x", "version": 1})
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
			want := created
			want.Title, want.Body, want.Version = "x", "", 2
			wantNote(t, want, resp)
		}},
		{Name: "patch note", Least: roles.Editor, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			created = note(t)
			return req("PATCH", "notes/"+created.ID.String(), map[string]any{"body": "x", "version": 1})
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
			want := created
			want.Body, want.Version = "x", 2
			wantNote(t, want, resp)
		}},
		{Name: "delete note", Least: roles.Editor, OK: 204, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("DELETE", "notes/"+note(t).ID.String(), nil)
		}},
		{Name: "restore note", Least: roles.Editor, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			created = note(t)
			e.trash(t, e.project, e.owner.Token, "notes/"+created.ID.String())
			return req("POST", "notes/"+created.ID.String()+"/restore", nil)
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) { wantNote(t, created, resp) }},

		{Name: "list citations", Least: roles.Viewer, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("GET", "citations", nil)
		}},
		{Name: "create citation", Least: roles.Editor, OK: 201, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("POST", "citations", map[string]any{"title": "x"})
		}},
		{Name: "export citations", Least: roles.Viewer, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("GET", "citations/export?format=bibtex", nil)
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
			if got := resp.Header.Get("Content-Type"); got != "application/x-bibtex; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
		}},
		{Name: "get citation", Least: roles.Viewer, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			createdCite = citation(t)
			return req("GET", "citations/"+createdCite.ID.String(), nil)
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) { wantCitation(t, createdCite, resp) }},
		{Name: "put citation", Least: roles.Editor, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			createdCite = citation(t)
			return req("PUT", "citations/"+createdCite.ID.String(), map[string]any{"title": "x", "version": 1})
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
			want := createdCite
			want.Title, want.Version = "x", 2
			wantCitation(t, want, resp)
		}},
		{Name: "patch citation", Least: roles.Editor, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			createdCite = citation(t)
			return req("PATCH", "citations/"+createdCite.ID.String(), map[string]any{"year": 1999, "version": 1})
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) {
			want := createdCite
			want.Year, want.Version = new(int32(1999)), 2
			wantCitation(t, want, resp)
		}},
		{Name: "delete citation", Least: roles.Editor, OK: 204, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			return req("DELETE", "citations/"+citation(t).ID.String(), nil)
		}},
		{Name: "restore citation", Least: roles.Editor, OK: 200, Request: func(t *testing.T, _ testkit.Caller) testkit.Request {
			createdCite = citation(t)
			e.trash(t, e.project, e.owner.Token, "citations/"+createdCite.ID.String())
			return req("POST", "citations/"+createdCite.ID.String()+"/restore", nil)
		}, Check: func(t *testing.T, _ testkit.Caller, resp *testkit.Response) { wantCitation(t, createdCite, resp) }},
	}
	testkit.RunRoleMatrix(t, e.c, e.callers(), cases)
}

// TestIdsOfAnotherProject asks for this project's notes and citations
// under another project, as that project's owner: they are not there.
func TestIdsOfAnotherProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := e.createNote(t, e.owner.Token, map[string]any{"title": "n"})
	c := e.createCitation(t, map[string]any{"title": "c"})
	tn := e.createNote(t, e.owner.Token, map[string]any{"title": "trashed"})
	tc := e.createCitation(t, map[string]any{"title": "trashed"})
	e.trash(t, e.project, e.owner.Token, "notes/"+tn.ID.String())
	e.trash(t, e.project, e.owner.Token, "citations/"+tc.ID.String())
	for _, rt := range []struct {
		method, path string
		body         any
	}{
		{"GET", "notes/" + n.ID.String(), nil},
		{"PUT", "notes/" + n.ID.String(), map[string]any{"title": "x", "version": 1}},
		{"PATCH", "notes/" + n.ID.String(), map[string]any{"body": "x", "version": 1}},
		{"DELETE", "notes/" + n.ID.String(), nil},
		{"POST", "notes/" + tn.ID.String() + "/restore", nil},
		{"GET", "citations/" + c.ID.String(), nil},
		{"PUT", "citations/" + c.ID.String(), map[string]any{"title": "x", "version": 1}},
		{"PATCH", "citations/" + c.ID.String(), map[string]any{"year": 1999, "version": 1}},
		{"DELETE", "citations/" + c.ID.String(), nil},
		{"POST", "citations/" + tc.ID.String() + "/restore", nil},
	} {
		resp := e.c.Send(rt.method, e.path(e.other, rt.path), e.stranger.Token, rt.body)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s in another project: %d %s", rt.method, rt.path, resp.StatusCode, resp.Body)
			continue
		}
		testkit.WantProblem(t, resp, http.StatusNotFound, "not-found")
	}
	// Nothing moved.
	testkit.WantStatus(t, e.c.Get(e.path(e.project, "notes/"+n.ID.String()), e.viewer.Token), http.StatusOK)
	testkit.WantStatus(t, e.c.Get(e.path(e.project, "citations/"+c.ID.String()), e.viewer.Token), http.StatusOK)
}

// TestProjectInThePath refuses a malformed project id, and answers a
// missing one like one the caller may not see.
func TestProjectInThePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, rest := range []string{"notes", "citations"} {
		testkit.WantProblem(t, e.c.Get(strings.Replace(e.path(e.project, rest), e.project.String(), "nope", 1), e.owner.Token), 400, "validation")
		testkit.WantProblem(t, e.c.Get(e.path(uuid.New(), rest), e.owner.Token), 404, "not-found")
	}
}

// TestRoleBeforeBody checks the role on the route, before the request is
// read: a viewer's malformed write is refused for the role, not the body.
func TestRoleBeforeBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := e.createNote(t, e.owner.Token, map[string]any{"title": "n"})
	c := e.createCitation(t, map[string]any{"title": "c"})
	for _, rt := range []struct{ method, path string }{
		{"POST", "notes"}, {"PUT", "notes/" + n.ID.String()}, {"PATCH", "notes/" + n.ID.String()},
		{"DELETE", "notes/" + n.ID.String()}, {"POST", "notes/" + n.ID.String() + "/restore"},
		{"POST", "citations"}, {"PUT", "citations/" + c.ID.String()}, {"PATCH", "citations/" + c.ID.String()},
		{"DELETE", "citations/" + c.ID.String()}, {"POST", "citations/" + c.ID.String() + "/restore"},
	} {
		resp := e.c.Do(testkit.Request{Method: rt.method, Path: e.path(e.project, rt.path), Token: e.viewer.Token,
			Body: "{", Header: http.Header{"If-Match": {"not a tag"}}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as a viewer with a malformed request: %d %s", rt.method, rt.path, resp.StatusCode, resp.Body)
		}
	}
}
