//go:build soak

// Soak tests: the findings of the hardening review replayed at full size
// and with the default settings. They take minutes and run with `make
// soak`, not `make test`; docs/reliability.md keeps their numbers.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/httpx"
)

// floodChild starts a child holding n silent connections to addr and
// returns a function reading its latest status.
func floodChild(t testing.TB, addr string, n int) func() floodStatus {
	t.Helper()
	pr, pw := io.Pipe()
	stdinR, stdinW := io.Pipe()
	startChild(t, map[string]string{childEnv: "flood", floodAddrEnv: addr, floodCountEnv: strconv.Itoa(n)}, pw, stdinR)
	t.Cleanup(func() { stdinW.Close() }) // runs before the child's SIGTERM: it closes its connections
	var mu sync.Mutex
	var last floodStatus
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var st floodStatus
			if json.Unmarshal(sc.Bytes(), &st) == nil {
				mu.Lock()
				last = st
				mu.Unlock()
			}
		}
	}()
	return func() floodStatus {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// rssKiB is the resident memory of process pid.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// timedGets requests path n times on fresh connections and returns the
// latencies, sorted; a failure counts as the client's timeout.
func timedGets(base, path string, n int) []time.Duration {
	var out []time.Duration
	for range n {
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		start := time.Now()
		resp, err := client.Get(base + path)
		took := time.Since(start)
		if err != nil || resp.StatusCode != http.StatusOK {
			took = 30 * time.Second
		}
		if resp != nil {
			resp.Body.Close()
		}
		out = append(out, took)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// TestSoakConnectionFlood20000: serve under this machine's file limit and
// every default, and 20,000 silent connections from two other processes.
func TestSoakConnectionFlood20000(t *testing.T) {
	srv, addr := startServeChild(t, 0, nil)
	limit := srv.logLine(t, "connection limit")
	t.Logf("start-up: %v", limit)
	base := "http://" + addr
	idle := timedGets(base, "/healthz", 20)
	rssBefore := rssKiB(t, srv.cmd.Process.Pid)

	const perChild, children = 10000, 2
	start := time.Now()
	var statuses []func() floodStatus
	for range children {
		statuses = append(statuses, floodChild(t, addr, perChild))
	}
	total := func() (st floodStatus) {
		for _, s := range statuses {
			x := s()
			st.Opened += x.Opened
			st.DialErrs += x.DialErrs
			st.Closed += x.Closed
		}
		return st
	}
	if !waitFor(5*time.Minute, func() bool { st := total(); return st.Opened+st.DialErrs == perChild*children }) {
		t.Fatalf("flood not open after 5 minutes: %+v", total())
	}
	opened := time.Since(start)
	time.Sleep(2 * time.Second) // let the last reports come in
	during := timedGets(base, "/healthz", 20)
	ready := timedGets(base, "/readyz", 5)
	st := total()
	t.Logf("flood: %+v opened in %s; server RSS %d MiB before, %d MiB with the flood", st, opened.Round(time.Millisecond), rssBefore>>10, rssKiB(t, srv.cmd.Process.Pid)>>10)
	t.Logf("/healthz idle: median %s max %s; during the flood: median %s max %s; /readyz during: max %s",
		idle[len(idle)/2], idle[len(idle)-1], during[len(during)/2], during[len(during)-1], ready[len(ready)-1])
	out := srv.logs.String()
	t.Logf("'connection limit reached' lines: %d; 'too many open files': %d", strings.Count(out, "connection limit reached"), strings.Count(out, "too many open files"))
	if during[len(during)-1] > 5*time.Second || ready[len(ready)-1] > 5*time.Second {
		t.Errorf("a normal client waited more than 5 s during the flood")
	}
	if strings.Contains(out, "too many open files") {
		t.Errorf("the server ran out of files")
	}
}

// TestSoakSlowBodies: the slow-body findings with the default settings:
// one declared 100-byte body trickled at a byte every 15 s, 500 such
// connections from one address to login, and the largest chapter save at
// exactly the minimum rate.
func TestSoakSlowBodies(t *testing.T) {
	cfg := testConfig(t)
	addr := startHTTP(t, cfg)

	t.Run("trickle", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		fmt.Fprintf(c, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		go func() {
			for range 99 {
				time.Sleep(15 * time.Second)
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		a := readAnswer(c, start, start.Add(2*time.Minute), 10*time.Second)
		t.Logf("trickled body: status %d after %s, closed %v (bound %s)", a.status, a.after.Round(time.Millisecond), a.closed,
			httpx.BodyPace{MinRate: cfg.BodyMinRate, Grace: cfg.BodyGrace}.Allowance(100))
		if a.status != http.StatusRequestTimeout || !a.closed {
			t.Errorf("want 408 and a closed connection")
		}
	})

	t.Run("500 slow logins from one address", func(t *testing.T) {
		const n = 500
		start := time.Now()
		answers := make(chan rawAnswer, n)
		var wg sync.WaitGroup
		for range n {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
			wg.Go(func() { answers <- readAnswer(c, start, start.Add(2*time.Minute), 10*time.Second) })
		}
		wg.Wait()
		close(answers)
		counts := map[int]int{}
		var last429, last time.Duration
		open := 0
		for a := range answers {
			counts[a.status]++
			if a.status == http.StatusTooManyRequests {
				last429 = max(last429, a.after)
			}
			last = max(last, a.after)
			if !a.closed {
				open++
			}
		}
		t.Logf("%d connections: statuses %v; last 429 after %s; last answer after %s; left open %d", n, counts, last429.Round(time.Millisecond), last.Round(time.Millisecond), open)
		if counts[http.StatusTooManyRequests] < n-10 {
			t.Errorf("want at least %d 429s", n-10)
		}
	})

	t.Run("largest chapter save at the minimum rate", func(t *testing.T) {
		saveSlowly(t, "http://"+addr, float64(cfg.BodyMinRate), cfg.BodyGrace)
	})
}
