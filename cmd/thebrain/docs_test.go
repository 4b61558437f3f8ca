package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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

// TestComposeEnvironmentIsValid: the compose file only sets variables that
// exist, with values config.Load accepts, and runs modes the binary has.
func TestComposeEnvironmentIsValid(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Build       any               `yaml:"build"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	known := map[string]bool{}
	for _, s := range config.Settings() {
		known[s.Name] = true
	}
	apps := 0
	for name, svc := range doc.Services {
		if svc.Build == nil {
			continue
		}
		apps++
		for k := range svc.Environment {
			if !known[k] {
				t.Errorf("service %s sets unknown variable %s", name, k)
			}
		}
		if _, err := config.Load(func(k string) string { return svc.Environment[k] }); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
		if len(svc.Command) == 0 {
			t.Errorf("service %s has no command", name)
			continue
		}
		if !slices.Contains(modes, svc.Command[0]) {
			t.Errorf("service %s runs unknown mode %q", name, svc.Command[0])
		}
	}
	if apps == 0 {
		t.Fatal("no service builds the binary")
	}
}
