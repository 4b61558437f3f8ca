package research

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestCitationExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []map[string]any{
		{"type": "book", "title": "Lighthouses & Their {Keepers}: 100% True", "authors": []string{"Smith, Jane", "Doe, John"}, "year": 2020, "publisher": "Sea Press", "isbn": "978-0-306-40615-7", "pages": "1-20"},
		{"type": "article", "title": "Fog signals_in_use", "authors": []string{"Jane Smith"}, "year": 2020, "publisher": "Journal of Coasts", "doi": "10.1234/coast.2020.7", "pages": "33-41"},
		{"type": "chapter", "title": "Tides", "authors": []string{"Smith, J."}, "year": 2020, "publisher": "Ocean Books"},
		{"type": "website", "title": "Lamp #7 ~ history", "url": "https://example.org/lamp?x=1&y=2"},
		{"type": "thesis", "title": "Über Leuchttürme", "authors": []string{"Müller, Jörg"}, "year": 1999, "publisher": "Universität Kiel"},
		{"type": "report", "title": "Coastal survey", "authors": []string{"Ministry"}, "year": 1890, "notes": "Line one\nline two $5 \\ cost"},
		{"type": "conference", "title": "Beacons", "authors": []string{"Ada Lovelace", "Charles Babbage"}, "year": 1843, "publisher": "Proc. Analytical Society"},
		{"type": "other", "title": "Map of the coast"},
	} {
		e.createCitation(t, c)
	}
	for _, tt := range []struct{ format, golden, ctype string }{
		{"bibtex", "export.bib", "application/x-bibtex; charset=utf-8"},
		{"csl-json", "export.csl.json", "application/vnd.citationstyles.csl+json"},
	} {
		resp := e.c.Get(e.path(e.project, "citations/export?format="+tt.format), e.viewer.Token)
		testkit.WantStatus(t, resp, http.StatusOK)
		if got := resp.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s Content-Type = %q", tt.format, got)
		}
		golden := filepath.Join("testdata", tt.golden)
		if *update {
			if err := os.WriteFile(golden, resp.Body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if string(resp.Body) != string(want) {
			t.Errorf("%s export differs from %s:\n%s", tt.format, golden, resp.Body)
		}
	}
	testkit.WantProblem(t, e.c.Get(e.path(e.project, "citations/export?format=ris"), e.viewer.Token), 400, "validation")
	testkit.WantProblem(t, e.c.Get(e.path(e.project, "citations/export"), e.viewer.Token), 400, "validation")
}

func TestCiteKeys(t *testing.T) {
	t.Parallel()
	if got := []string{suffix(0), suffix(25), suffix(26), suffix(27)}; !slices.Equal(got, []string{"a", "z", "aa", "ab"}) {
		t.Fatalf("suffixes = %v", got)
	}
}
