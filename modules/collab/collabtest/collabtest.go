// Package collabtest drives real y-websocket clients (y-websocket 3.1.0 and
// yjs 13.6.33 in Node, testdata/node/driver.mjs) against a collaboration
// server, for the tests of the collab module and the system tests of
// cmd/thebrain. It installs the pinned packages with `npm ci` when
// node_modules is missing or stale, and fails (never skips) without Node:
// these are the only tests that an unmodified client works.
package collabtest

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// NodeDir is the absolute path of the Node project.
func NodeDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "node")
}

// RequireNode installs the pinned packages once per test binary.
func RequireNode(tb testing.TB) {
	tb.Helper()
	if err := testkit.NPMInstall(NodeDir(), "node_modules/y-websocket/package.json"); err != nil {
		tb.Fatalf("the y-websocket client tests need Node.js (>= 18) and npm on PATH: %v", err)
	}
}

// Clients is one Node process holding any number of y-websocket clients.
type Clients struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *testkit.SyncBuffer

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan Reply
	dead    chan struct{}
}

// Reply is a command's answer: ok, error and the command's own fields.
type Reply map[string]any

// OK reports whether the command succeeded.
func (r Reply) OK() bool { ok, _ := r["ok"].(bool); return ok }

// Err is the error text of a failed command.
func (r Reply) Err() string { s, _ := r["error"].(string); return s }

// Str returns a string field.
func (r Reply) Str(k string) string { s, _ := r[k].(string); return s }

// Num returns a number field.
func (r Reply) Num(k string) float64 { f, _ := r[k].(float64); return f }

// Start runs the driver; it stops when the test ends.
func Start(t testing.TB) *Clients {
	t.Helper()
	RequireNode(t)
	cmd := exec.Command("node", "driver.mjs")
	cmd.Dir = NodeDir()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &Clients{t: t, cmd: cmd, stdin: stdin, stderr: &testkit.SyncBuffer{}, waiting: map[int]chan Reply{}, dead: make(chan struct{})}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	go c.readReplies(stdout)
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() && c.stderr.String() != "" {
			t.Logf("node driver stderr:\n%s", c.stderr)
		}
	})
	return c
}

func (c *Clients) readReplies(stdout io.Reader) {
	defer close(c.dead)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var r Reply
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		id := int(r.Num("id"))
		c.mu.Lock()
		ch := c.waiting[id]
		delete(c.waiting, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// Go sends a command and returns where its reply will arrive.
func (c *Clients) Go(op string, args map[string]any) <-chan Reply {
	ch := make(chan Reply, 1)
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.waiting[id] = ch
	c.mu.Unlock()
	cmd := map[string]any{"id": id, "op": op}
	for k, v := range args {
		cmd[k] = v
	}
	line, _ := json.Marshal(cmd)
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		ch <- Reply{"ok": false, "error": "driver gone: " + err.Error()}
	}
	return ch
}

// Do runs a command and fails the test unless it succeeds.
func (c *Clients) Do(t testing.TB, op string, args map[string]any) Reply {
	t.Helper()
	r := c.Wait(t, c.Go(op, args))
	if !r.OK() {
		t.Fatalf("%s %v: %s", op, args, r.Err())
	}
	return r
}

// Wait waits (at most two minutes) for a reply.
func (c *Clients) Wait(t testing.TB, ch <-chan Reply) Reply {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-c.dead:
		t.Fatalf("the node driver exited:\n%s", c.stderr)
	case <-time.After(2 * time.Minute):
		t.Fatalf("no reply from the node driver in two minutes")
	}
	return nil
}
