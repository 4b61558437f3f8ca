package httpx

import (
	"os"
	"strings"
	"testing"
)

// TestProblemTypesDocumented keeps docs/problems.md complete.
func TestProblemTypesDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/problems.md")
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, k := range kinds {
		slugs = append(slugs, k.slug)
	}
	for s := range slugTitles {
		slugs = append(slugs, s)
	}
	for _, s := range slugs {
		if !strings.Contains(string(doc), "| `"+s+"` |") {
			t.Errorf("problem type %q is not in docs/problems.md", s)
		}
	}
}
