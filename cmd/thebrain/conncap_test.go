package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// One process cannot hold both ends of thousands of connections (each end
// is a file), so the connection-cap tests run the server, or the clients,
// in a child: the test binary started again with childEnv naming the part
// it plays. TestMain hands such a process to runChild.
const (
	childEnv       = "THEBRAIN_TEST_CHILD"        // "serve", "collab", "flood" or "main" (worker_system_test.go)
	childNoFileEnv = "THEBRAIN_TEST_CHILD_NOFILE" // serve: RLIMIT_NOFILE to run under
	floodAddrEnv   = "THEBRAIN_TEST_FLOOD_ADDR"   // flood: where to connect
	floodCountEnv  = "THEBRAIN_TEST_FLOOD_COUNT"  // flood: how many connections
)

// runChild plays the part childEnv names and returns the exit status.
func runChild() int {
	switch os.Getenv(childEnv) {
	case "main":
		return runMainChild()
	case "serve":
		if v := os.Getenv(childNoFileEnv); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "child: setrlimit:", err)
				return 1
			}
		}
		if err := run(context.Background(), []string{"thebrain", "serve"}, os.Getenv, io.Discard, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		return 0
	case "collab":
		if err := run(context.Background(), []string{"thebrain", "collab"}, os.Getenv, io.Discard, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		return 0
	case "flood":
		n, err := strconv.Atoi(os.Getenv(floodCountEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		f := startFlood(os.Getenv(floodAddrEnv), n)
		// Report every half second until the parent closes stdin.
		done := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
		enc := json.NewEncoder(os.Stdout)
		for {
			_ = enc.Encode(f.status())
			select {
			case <-done:
				f.Close()
				return 0
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	fmt.Fprintln(os.Stderr, "child: unknown part", os.Getenv(childEnv))
	return 1
}

// flood holds connections that never send a byte and counts those the
// server closes.
type flood struct {
	mu       sync.Mutex
	conns    []net.Conn
	dialErrs int
	closed   atomic.Int64
	wg       sync.WaitGroup
}

type floodStatus struct {
	Opened   int   `json:"opened"`
	DialErrs int   `json:"dial_errors"`
	Closed   int64 `json:"closed_by_server"`
}

func startFlood(addr string, n int) *flood {
	f := &flood{}
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			f.mu.Lock()
			f.dialErrs++
			f.mu.Unlock()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		f.wg.Go(func() {
			// A 503, an EOF or a reset: the server let go of it.
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
				f.closed.Add(1)
			}
		})
	}
	return f
}

func (f *flood) status() floodStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return floodStatus{Opened: len(f.conns), DialErrs: f.dialErrs, Closed: f.closed.Load()}
}

func (f *flood) Close() {
	f.mu.Lock()
	for _, c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// childProcess is the test binary started as a child.
type childProcess struct {
	cmd  *exec.Cmd
	logs *testkit.SyncBuffer // stderr
	done chan error
}

// startChild starts the test binary with env (and nothing of this
// process's THEBRAIN_ settings) and stops it when the test ends: SIGTERM,
// then a kill if it has not exited within 30 s.
func startChild(t testing.TB, env map[string]string, stdout io.Writer, stdin io.Reader) *childProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "THEBRAIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &childProcess{cmd: cmd, logs: &testkit.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr, cmd.Stdin = stdout, p.logs, stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("child %s log:\n%s", env[childEnv], p.logs)
		}
	})
	return p
}

// logLine returns the first JSON log line of the child whose msg starts
// with prefix, waiting up to a minute for it.
func (p *childProcess) logLine(t testing.TB, prefix string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		for _, line := range strings.Split(p.logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil {
				if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, prefix) {
					return rec
				}
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("child exited (%v) before logging %q:\n%s", err, prefix, p.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("child did not log %q within a minute:\n%s", prefix, p.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startServeChild runs `thebrain serve` in a child under a file limit of
// nofile (0: this process's) on the test backends.
func startServeChild(t testing.TB, nofile int, extra map[string]string) (*childProcess, string) {
	t.Helper()
	env := map[string]string{
		childEnv:                       "serve",
		"THEBRAIN_DATABASE_URL":        testkit.PostgresURL(t), // migrated already
		"THEBRAIN_AUTO_MIGRATE":        "false",
		"THEBRAIN_REDIS_URL":           testkit.RedisURL(t),
		"THEBRAIN_DATA_DIR":            t.TempDir(),
		"THEBRAIN_HTTP_ADDR":           "127.0.0.1:0",
		"THEBRAIN_LOG_FORMAT":          "json",
		"THEBRAIN_READ_HEADER_TIMEOUT": "5m", // only the cap may close the silent connections
	}
	_, keys := testkit.Redis(t)
	env["THEBRAIN_REDIS_PREFIX"] = keys.Prefix()
	if nofile > 0 {
		env[childNoFileEnv] = strconv.Itoa(nofile)
	}
	for k, v := range extra {
		env[k] = v
	}
	p := startChild(t, env, io.Discard, nil)
	addr, _ := p.logLine(t, "listening")["addr"].(string)
	return p, addr
}

// waitFor polls cond every 10 ms until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// TestConnectionFloodIsShed: serve, in a child whose file limit is 256,
// logs that limit and derives its connection cap from it, leaving room for
// the pools and files. 300 silent connections (twice what the old server
// could open before accept failed with "too many open files") leave it
// holding no more than the cap: the excess is closed at once. A normal
// client is then served promptly, including a readiness check that needs
// the database and Redis, and the log says "connection limit reached" once.
func TestConnectionFloodIsShed(t *testing.T) {
	t.Parallel()
	const nofile, flooders = 256, 300
	srv, addr := startServeChild(t, nofile, nil)
	limit := srv.logLine(t, "connection limit")
	maxConns, _ := limit["max_conns"].(float64)
	reserved, _ := limit["reserved_files"].(float64)
	if limit["file_limit"] != float64(nofile) || limit["source"] != "file limit" || maxConns != nofile-reserved || maxConns < 16 {
		t.Fatalf("start-up line %v: want file_limit %d and max_conns = file_limit - reserved_files", limit, nofile)
	}

	f := startFlood(addr, flooders)
	defer f.Close()
	excess := int64(flooders - int(maxConns))
	if !waitFor(20*time.Second, func() bool { return f.closed.Load() >= excess }) {
		t.Fatalf("after 20 s the server has closed %d of %d connections, want at least the %d over its cap of %.0f (%+v)",
			f.closed.Load(), flooders, excess, maxConns, f.status())
	}
	st := f.status()
	if st.DialErrs > 0 {
		t.Fatalf("%d connections could not even be opened: %+v", st.DialErrs, st)
	}

	client := &http.Client{Timeout: 20 * time.Second}
	for _, path := range []string{"/healthz", "/readyz"} {
		start := time.Now()
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("%s during the flood: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s during the flood: %d %s", path, resp.StatusCode, body)
		}
		t.Logf("%s answered in %s with %d silent connections open", path, time.Since(start).Round(time.Millisecond), flooders-int(f.closed.Load()))
	}
	if open := int64(flooders) - f.closed.Load(); open > int64(maxConns) {
		t.Fatalf("%d flood connections still open, over the cap of %.0f", open, maxConns)
	}
	f.Close()
	srv.logLine(t, "connection limit: flood over")
	out := srv.logs.String()
	if n := strings.Count(out, "connection limit reached"); n != 1 {
		t.Fatalf("%d 'connection limit reached' lines, want 1", n)
	}
	if strings.Contains(out, "too many open files") {
		t.Fatal("the server ran out of files")
	}
}
