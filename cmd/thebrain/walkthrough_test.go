package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestREADMEWalkthrough runs the README's curl walk-through, as written,
// against a real `thebrain serve` with every module: sign up, create a
// book, add and reorder chapters, snapshot, edit and restore a version.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to run the README walk-through (apt-get install %s)", tool, tool)
		}
	}
	script := readmeScript(t, "## A first book, with curl")
	base, _, logs := startServe(t, map[string]string{
		"THEBRAIN_DATABASE_URL": testkit.PostgresURL(t),
		"THEBRAIN_REDIS_URL":    testkit.RedisURL(t),
		"THEBRAIN_REDIS_PREFIX": "t_walk_" + time.Now().Format("150405.000000") + ":",
		"THEBRAIN_DATA_DIR":     t.TempDir(),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "API="+base+"/api/v1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("walk-through failed: %v\n%s\nserver log:\n%s", err, out, logs.String())
	}
	got := string(out)
	for _, want := range []string{
		`{"position":0,"title":"Prologue","word_count":0}`,
		`{"position":1,"title":"Arrival","word_count":6}`,
		`{"position":1,"title":"The Keeper"}`,
		`{"position":2,"title":"Arrival"}`,
		`"label":"First draft"`,
		`{"version":2,"word_count":4}`,
		`{"content":"The boat came in at dawn.","reason":"restore"}`,
		`{"title":"The Lighthouse","word_count":6,"role":"owner"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
}

// readmeScript returns the first ```sh block after heading in README.md.
func readmeScript(t *testing.T, heading string) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatal("no ```sh block in the walk-through section")
	}
	script, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("unterminated ```sh block")
	}
	return script
}
