package research

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestCitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.createCitation(t, map[string]any{
		"title": "The Art of Lighthouses", "authors": []string{"  Smith,   Jane ", "John Doe"}, "year": 2020,
		"publisher": "Sea Press", "doi": "https://doi.org/10.1234/abc.def", "isbn": "978-0-306-40615-7", "pages": "1-20",
	})
	want := citationResponse{
		ID: c.ID, ProjectID: e.project, Type: "book", Title: "The Art of Lighthouses", Authors: []string{"Smith, Jane", "John Doe"},
		Year: new(int32(2020)), Publisher: "Sea Press", DOI: "10.1234/abc.def", ISBN: "9780306406157", Pages: "1-20", Version: 1,
	}
	ignoreTimes := cmpopts.IgnoreFields(citationResponse{}, "CreatedAt", "UpdatedAt")
	if d := cmp.Diff(want, c, ignoreTimes); d != "" {
		t.Fatalf("created (-want +got):\n%s", d)
	}
	path := e.path(e.project, "citations/"+c.ID.String())
	// PATCH changes what it names; null clears the year.
	resp := e.c.Send(http.MethodPatch, path, e.editor.Token, map[string]any{"type": "article", "year": nil, "version": 1})
	testkit.WantStatus(t, resp, http.StatusOK)
	var got citationResponse
	resp.JSON(t, &got)
	want.Type, want.Year, want.Version = "article", nil, 2
	if d := cmp.Diff(want, got, ignoreTimes); d != "" || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("patched (-want +got):\n%s\nETag %s", d, resp.Header.Get("ETag"))
	}
	// PUT replaces: what it leaves out is cleared, the type is a book again.
	resp = e.c.Send(http.MethodPut, path, e.editor.Token, map[string]any{"title": "Replaced", "version": 2})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	want = citationResponse{ID: c.ID, ProjectID: e.project, Type: "book", Title: "Replaced", Authors: []string{}, Version: 3}
	if d := cmp.Diff(want, got, ignoreTimes); d != "" {
		t.Fatalf("put (-want +got):\n%s", d)
	}
	testkit.WantProblem(t, e.c.Send(http.MethodPatch, path, e.editor.Token, map[string]any{"title": "late", "version": 2}), 412, "stale-version")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, path, e.editor.Token, nil), http.StatusNoContent)
	testkit.WantProblem(t, e.c.Get(path, e.viewer.Token), 404, "not-found")
	testkit.WantStatus(t, e.c.Send(http.MethodPost, path+"/restore", e.editor.Token, nil), http.StatusOK)
	testkit.WantStatus(t, e.c.Get(path, e.viewer.Token), http.StatusOK)
}

func TestCitationValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"missing title", map[string]any{"authors": []string{"A"}}, "title"},
		{"bad type", map[string]any{"title": "x", "type": "novel"}, "type"},
		{"doi without prefix", map[string]any{"title": "x", "doi": "1234/abc"}, "doi"},
		{"doi with short registrant", map[string]any{"title": "x", "doi": "10.12/abc"}, "doi"},
		{"doi without suffix", map[string]any{"title": "x", "doi": "10.1234/"}, "doi"},
		{"isbn-13 bad checksum", map[string]any{"title": "x", "isbn": "978-0-306-40615-8"}, "isbn"},
		{"isbn-10 bad checksum", map[string]any{"title": "x", "isbn": "0-306-40615-3"}, "isbn"},
		{"isbn wrong length", map[string]any{"title": "x", "isbn": "12345"}, "isbn"},
		{"isbn-13 bad prefix", map[string]any{"title": "x", "isbn": "1230306406156"}, "isbn"},
		{"year too late", map[string]any{"title": "x", "year": 10000}, "year"},
		{"year zero", map[string]any{"title": "x", "year": 0}, "year"},
		{"year not a number", map[string]any{"title": "x", "year": "2020"}, ""},
		{"url scheme", map[string]any{"title": "x", "url": "file:///etc/passwd"}, "url"},
		{"empty author", map[string]any{"title": "x", "authors": []string{"A", " "}}, "authors[1]"},
		{"too many authors", map[string]any{"title": "x", "authors": make([]string, MaxAuthors+1)}, "authors"},
		{"title too long", map[string]any{"title": strings.Repeat("t", MaxCitationTitle+1)}, "title"},
		{"unknown field", map[string]any{"title": "x", "journal": "J"}, "journal"},
		{"doi with NUL", map[string]any{"title": "x", "doi": "10.1234/a\u0000b"}, "doi"},
		{"title with NUL", map[string]any{"title": "a\u0000b"}, "title"},
		{"notes with NUL", map[string]any{"title": "x", "notes": "a\u0000b"}, "notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := e.c.For(t).Send(http.MethodPost, e.path(e.project, "citations"), e.editor.Token, tt.body)
			testkit.WantStatus(t, resp, 400)
			p := resp.Problem(t)
			if tt.field != "" {
				if errs, _ := p["errors"].(map[string]any); errs[tt.field] == nil {
					t.Fatalf("errors = %v, want %q", p["errors"], tt.field)
				}
			}
		})
	}
	t.Run("valid identifiers", func(t *testing.T) {
		t.Parallel()
		for _, isbn := range []string{"0-306-40615-2", "080442957X", "979-10-90636-07-1", "9780306406157"} {
			e.createCitation(t, map[string]any{"title": "ok", "isbn": isbn, "doi": "doi:10.1000/182", "year": -500})
		}
	})
}
