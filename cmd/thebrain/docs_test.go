package main

import (
	"os"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/config"
)

// TestREADMEListsEverySetting keeps the README's configuration table true.
func TestREADMEListsEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings() {
		if !strings.Contains(string(readme), "| `"+s.Name+"` |") {
			t.Errorf("README.md does not document %s", s.Name)
		}
	}
	for _, cmd := range []string{"go run ./cmd/thebrain serve", "make test"} {
		if !strings.Contains(string(readme), cmd) {
			t.Errorf("README.md does not show %q", cmd)
		}
	}
}
