package prosemirror_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// nodeDir is the Node project with the pinned JavaScript reference stack.
const nodeDir = "testdata/node"

// requireNode makes sure node and npm exist and node_modules matches the
// committed lock file. It fails the test (never skips) when they do not:
// the differential tests are the check that the Go code agrees with the
// JavaScript stack the editors run.
func requireNode(tb testing.TB) {
	tb.Helper()
	if err := testkit.NPMInstall(nodeDir, "node_modules/y-prosemirror/package.json"); err != nil {
		tb.Fatalf("the ProseMirror differential tests need Node.js (>= 18) and npm on PATH: %v", err)
	}
}

// fixedSeed and a rotating seed (logged, settable with PM_DIFF_SEED) each
// drive half of every differential run; PM_DIFF_CASES sets the number of
// cases per mode and seed (and of the Go-only random tests).
const fixedSeed = "20261204"

func seeds(t *testing.T) []string {
	rotating := os.Getenv("PM_DIFF_SEED")
	if rotating == "" {
		rotating = strconv.FormatInt(time.Now().UnixNano()%1_000_000_007, 10)
	}
	t.Logf("fixed seed %s, rotating seed %s (reproduce with PM_DIFF_SEED=%s)", fixedSeed, rotating, rotating)
	return []string{fixedSeed, rotating}
}

// Under the race detector (make test) a third of the cases run: the code
// under test is single-threaded, the race run is for the rest of the repo.
func caseCount(def int) int {
	if n, err := strconv.Atoi(os.Getenv("PM_DIFF_CASES")); err == nil && n > 0 {
		return n
	}
	if raceEnabled {
		return max(1, def/3)
	}
	return def
}

// genCases runs gen.mjs and decodes its NDJSON lines into T.
func genCases[T any](t *testing.T, mode, seed string, n int) []T {
	t.Helper()
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "gen.mjs", mode, seed, strconv.Itoa(n))
	cmd.Dir = nodeDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node gen.mjs %s %s %d: %v\n%s", mode, seed, n, err, stderr.String())
	}
	var out []T
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var c T
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("gen.mjs %s line %d: %v", mode, len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("gen.mjs %s %s produced no case", mode, seed)
	}
	return out
}

// runNodeScript runs a script of the Node project and returns its stdout.
func runNodeScript(script string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = nodeDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("node %s: %v\n%s", script, err, stderr.String())
	}
	return stdout.Bytes(), nil
}
