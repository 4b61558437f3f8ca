package yjs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// nodeDir is the Node project that generates the differential cases and
// the benchmark inputs with the pinned yjs release.
const nodeDir = "testdata/node"

// requireNode makes sure node and npm exist and that node_modules matches
// the committed lock file. It fails the test (never skips) when they do not:
// the differential test is the only check that the Go codec agrees with yjs.
func requireNode(tb testing.TB) {
	tb.Helper()
	if err := testkit.NPMInstall(nodeDir, "node_modules/yjs/package.json"); err != nil {
		tb.Fatalf("the yjs differential harness needs Node.js (>= 18) and npm on PATH: %v", err)
	}
}

// runNode runs a script of the Node project and returns its stdout. Its
// stderr goes to the test log when the script fails.
func runNode(ctx context.Context, script string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = nodeDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("node %s %s: %v\n%s", script, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// callTimeout bounds one codec call in the differential tests; the inputs
// are small, so this only trips on a hang (an endless loop on some input).
const callTimeout = 20 * time.Second

// guard runs one codec call and turns a panic into an error starting with
// "panic:", and a call that does not return within callTimeout into an
// error starting with "hang:", so one bad case does not hide the results of
// all others (a hung call keeps its goroutine, but the test goes on).
func guard(fn func() ([]byte, error)) ([]byte, error) {
	type result struct {
		out []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- result{nil, fmt.Errorf("panic: %v\n%s", r, firstLines(string(debug.Stack()), 14))}
			}
		}()
		out, err := fn()
		ch <- result{out, err}
	}()
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.out, r.err
	case <-timer.C:
		return nil, fmt.Errorf("%w: no result after %s", errHang, callTimeout)
	}
}

// errHang marks a codec call that did not return. The spinning goroutine
// cannot be stopped, so the test reports the first hang and stops calling
// the codec rather than piling up more of them.
var errHang = errors.New("hang")

// crashed reports whether a guard error is a panic or a hang rather than
// an ordinary error returned by the codec.
func crashed(err error) bool {
	return err != nil && (strings.HasPrefix(err.Error(), "panic:") || strings.HasPrefix(err.Error(), "hang:"))
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// absPath resolves a path relative to the package directory, for scripts
// that run with the Node project as their working directory.
func absPath(tb testing.TB, p string) string {
	tb.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
