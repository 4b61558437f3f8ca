package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/thebrain/thebrain/modules/collab/collabtest"
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// Collaboration benchmarks (docs/perf.md, "Collaboration server"). Each
// runs one scenario against `thebrain collab` in a child process, whose
// memory and CPU time it reads from /proc; run them one at a time:
//
//	go test -run '^$' -bench 'BenchmarkCollab' -benchtime 1x -timeout 30m ./cmd/thebrain/
//
// Knobs: COLLAB_BENCH_CLIENTS, COLLAB_BENCH_RATE (updates per second per
// client; a comma-separated list for BenchmarkCollabDeliveries),
// COLLAB_BENCH_SECONDS, COLLAB_BENCH_CONNS (idle connections).

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// procSample is what /proc says of a process: memory in KiB, CPU time.
type procSample struct {
	rss, anon, file int64
	cpu             time.Duration
}

func sampleProc(tb testing.TB, pid int) procSample {
	tb.Helper()
	s, err := readProc(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func readProc(pid int) (procSample, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	var s procSample
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			s.rss = v
		case "RssAnon:":
			s.anon = v
		case "RssFile:":
			s.file = v
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	// Fields after the command name (which may hold spaces): utime and
	// stime are the 14th and 15th fields, in clock ticks (100 per second).
	rest := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	ut, _ := strconv.ParseInt(rest[11], 10, 64)
	st, _ := strconv.ParseInt(rest[12], 10, 64)
	s.cpu = time.Duration(ut+st) * 10 * time.Millisecond
	return s, nil
}

// watchPeak samples a process's memory every 100 ms until the returned
// stop is called, which returns the largest rss, anon and file seen (not
// at one instant): the peak of a run, which VmHWM (the peak since the
// process started, start-up included) is not.
func watchPeak(pid int) (stop func() procSample) {
	done, out := make(chan struct{}), make(chan procSample, 1)
	go func() {
		var peak procSample
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if s, err := readProc(pid); err == nil {
				peak.rss, peak.anon, peak.file = max(peak.rss, s.rss), max(peak.anon, s.anon), max(peak.file, s.file)
			}
			select {
			case <-done:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() procSample { close(done); return <-out }
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// editors adds n signed-up editors to the deployment's book and returns
// their access tokens, the owner's and editor's first.
func (d *collabDeployment) editors(tb testing.TB, n int) []string {
	tb.Helper()
	tokens := []string{d.owner, d.editor}
	for i := 0; len(tokens) < n; i++ {
		email := fmt.Sprintf("bench%d@collab.example", i)
		tokens = append(tokens, signup(tb, d.api, email, "tidal lighthouse lamp, many keepers", "Bench").AccessToken)
		testkit.WantStatus(tb, d.api.Send("POST", "/api/v1/projects/"+d.book+"/members", d.owner,
			map[string]string{"email": email, "role": "editor"}), http.StatusCreated)
	}
	return tokens[:n]
}

func benchDeployment(b *testing.B) *collabDeployment {
	return newCollabDeployment(b, func(c *config.Config) { c.AuthIPRate = 100000 })
}

// BenchmarkCollabTyping: COLLAB_BENCH_CLIENTS (50) real y-websocket clients
// in one Node process, in one document, each typing COLLAB_BENCH_RATE (5)
// characters a second into its own paragraph for COLLAB_BENCH_SECONDS (20):
// the time from a keystroke until every other client has it, the server's
// peak memory and both processes' CPU.
func BenchmarkCollabTyping(b *testing.B) {
	clients, rate, secs := envInt("COLLAB_BENCH_CLIENTS", 50), envInt("COLLAB_BENCH_RATE", 5), envInt("COLLAB_BENCH_SECONDS", 20)
	d := benchDeployment(b)
	tokens := d.editors(b, (clients+19)/20) // 20 sockets per user at most
	p, url := d.startBinary(b)
	pid := p.cmd.Process.Pid
	idle := sampleProc(b, pid)
	load := loadAvg()
	stopPeak := watchPeak(pid) // VmHWM would count the start-up's peak
	// COLLAB_BENCH_PROCS Node processes share the clients (one process
	// needs about half a core for 50 clients: alone it may be what is
	// measured).
	procs := envInt("COLLAB_BENCH_PROCS", 1)
	collabtest.RequireNode(b)
	startAt := time.Now().Add(time.Duration(8+clients/10) * time.Second).UnixMilli()
	outs := make([][]byte, procs)
	errs := make([]error, procs)
	var stderr [8]bytes.Buffer
	b.ResetTimer()
	start := time.Now()
	var wgp sync.WaitGroup
	for part := range procs {
		args, _ := json.Marshal(map[string]any{"url": url, "room": d.chapter, "tokens": tokens, "clients": clients, "rate": rate,
			"seconds": secs, "warmup": 3, "parts": procs, "part": part, "start": startAt})
		nodeArgs := append(strings.Fields(os.Getenv("COLLAB_BENCH_NODE_FLAGS")), "bench.mjs", string(args))
		cmd := exec.Command("node", nodeArgs...)
		cmd.Dir = collabtest.NodeDir()
		cmd.Stderr = &stderr[part%8]
		wgp.Go(func() { outs[part], errs[part] = cmd.Output() })
	}
	wgp.Wait()
	wall := time.Since(start)
	b.StopTimer()
	for part, err := range errs {
		if err != nil {
			b.Fatalf("node bench.mjs part %d: %v\n%s", part, err, stderr[part%8].String())
		}
		// The result is the last line (node flags such as --trace-gc print
		// before it).
		lines := strings.Split(strings.TrimSpace(string(outs[part])), "\n")
		if os.Getenv("COLLAB_BENCH_NODE_LOG") != "" {
			for _, l := range lines[:len(lines)-1] {
				b.Log(l)
			}
		}
		outs[part] = []byte(lines[len(lines)-1])
	}
	after, top := sampleProc(b, pid), stopPeak()
	res := map[string]float64{}
	if procs == 1 {
		if err := json.Unmarshal(outs[0], &res); err != nil {
			b.Fatalf("bench.mjs said %q: %v", outs[0], err)
		}
	} else {
		res = mergeParts(b, outs, clients)
	}
	serverCPU := 100 * (after.cpu - idle.cpu).Seconds() / wall.Seconds()
	b.ReportMetric(res["p50_ms"], "p50_ms")
	b.ReportMetric(res["p99_ms"], "p99_ms")
	b.ReportMetric(res["max_ms"], "max_ms")
	b.ReportMetric(float64(top.rss)/1024, "server_peak_rss_MiB")
	b.ReportMetric(serverCPU, "server_cpu_%")
	b.ReportMetric(res["node_cpu_percent"], "node_cpu_%")
	b.Logf("load average before: %s, after: %s", load, loadAvg())
	b.Logf("clients %d in %d Node processes, %d keystrokes/s each, %.0f s measured: %.0f edits, %.0f incomplete, %.0f deliveries/s",
		clients, procs, rate, res["seconds"], res["edits_measured"], res["edits_incomplete"], res["deliveries_per_second"])
	b.Logf("edit to all clients: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; to the first client: p50 %.2f ms, p99 %.2f ms",
		res["p50_ms"], res["p90_ms"], res["p99_ms"], res["max_ms"], res["first_p50_ms"], res["first_p99_ms"])
	b.Logf("node (1 process): event loop delay p99 %.1f ms, max %.1f ms; %.0f collections, %.0f ms in all, the longest %.1f ms", res["loop_delay_p99_ms"], res["loop_delay_max_ms"], res["gc_count"], res["gc_total_ms"], res["gc_max_ms"])
	b.Logf("server: RSS idle %.1f MiB (anon %.1f, file %.1f), peak with the clients %.1f MiB (anon at most %.1f, file at most %.1f), at the end %.1f MiB (anon %.1f, file %.1f); CPU %.0f%% of a core over the %.0f s run (set-up included); node clients %.0f%%",
		float64(idle.rss)/1024, float64(idle.anon)/1024, float64(idle.file)/1024, float64(top.rss)/1024, float64(top.anon)/1024, float64(top.file)/1024,
		float64(after.rss)/1024, float64(after.anon)/1024, float64(after.file)/1024, serverCPU, wall.Seconds(), res["node_cpu_percent"])
}

// mergeParts joins the raw times of several bench.mjs processes: an edit's
// latency is from its send until the last of the other clients, whichever
// process they are in, had it.
func mergeParts(tb testing.TB, outs [][]byte, clients int) map[string]float64 {
	tb.Helper()
	sent := map[string]float64{}
	type agg struct{ count, last, first float64 }
	got := map[string]*agg{}
	res := map[string]float64{}
	for _, out := range outs {
		var p struct {
			Seconds             float64               `json:"seconds"`
			DeliveriesPerSecond float64               `json:"deliveries_per_second"`
			NodeCPU             float64               `json:"node_cpu_percent"`
			Sent                map[string]float64    `json:"sent"`
			Arrivals            map[string][3]float64 `json:"arrivals"`
		}
		if err := json.Unmarshal(out, &p); err != nil {
			tb.Fatalf("bench.mjs part: %v", err)
		}
		res["seconds"] = max(res["seconds"], p.Seconds)
		res["deliveries_per_second"] += p.DeliveriesPerSecond
		res["node_cpu_percent"] += p.NodeCPU
		for k, t := range p.Sent {
			sent[k] = t
		}
		for k, a := range p.Arrivals {
			g := got[k]
			if g == nil {
				g = &agg{first: a[2]}
				got[k] = g
			}
			g.count += a[0]
			g.last = max(g.last, a[1])
			g.first = min(g.first, a[2])
		}
	}
	var all, firsts []float64
	for k, t := range sent {
		g := got[k]
		if g == nil || g.count < float64(clients-1) {
			res["edits_incomplete"]++
			continue
		}
		all = append(all, g.last-t)
		firsts = append(firsts, g.first-t)
	}
	slices.Sort(all)
	slices.Sort(firsts)
	pct := func(l []float64, p float64) float64 {
		if len(l) == 0 {
			return 0
		}
		return l[min(len(l)-1, int(p*float64(len(l))))]
	}
	res["edits_measured"] = float64(len(all))
	res["p50_ms"], res["p90_ms"], res["p99_ms"] = pct(all, 0.5), pct(all, 0.9), pct(all, 0.99)
	if len(all) > 0 {
		res["max_ms"] = all[len(all)-1]
	}
	res["first_p50_ms"], res["first_p99_ms"] = pct(firsts, 0.5), pct(firsts, 0.99)
	return res
}

// loadClient is one Go client of BenchmarkCollabDeliveries: it speaks the
// protocol frame by frame, sends keystroke updates at a steady rate and
// times every update of another client it receives.
type loadClient struct {
	ws     *websocket.Conn
	client uint64
	clock  uint64
}

// keystroke is the update of one more character after the previous one.
func (c *loadClient) keystroke() []byte {
	var b []byte
	b = binaryAppendVarUint(b, 1)
	b = binaryAppendVarUint(b, 1)
	b = binaryAppendVarUint(b, c.client)
	b = binaryAppendVarUint(b, c.clock)
	if c.clock == 0 {
		b = append(b, 4)
		b = binaryAppendVarUint(b, 1)
		b = append(binaryAppendVarUint(b, 1), 't')
	} else {
		b = append(b, 0x84)
		b = binaryAppendVarUint(b, c.client)
		b = binaryAppendVarUint(b, c.clock-1)
	}
	b = append(binaryAppendVarUint(b, 1), 'k')
	b = binaryAppendVarUint(b, 0)
	c.clock++
	return yprotocol.EncodeUpdate(b)
}

func binaryAppendVarUint(b []byte, v uint64) []byte {
	for v > 0x7f {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// updateEdits calls edit with the client and clock of every keystroke an
// update frame carries: one, or several when the server merged a socket's
// backlog into one message (each keystroke is one clock).
func updateEdits(frame []byte, edit func(client, clock uint64)) {
	m, err := yprotocol.Decode(frame)
	if err != nil || m.Type != yprotocol.MessageSync || m.Sync != yprotocol.SyncUpdate {
		return
	}
	meta, err := yjs.ParseUpdateMeta(m.Payload)
	if err != nil {
		return
	}
	for client, from := range meta.From {
		for clock := from; clock < meta.To[client]; clock++ {
			edit(client, clock)
		}
	}
}

// BenchmarkCollabDeliveries: COLLAB_BENCH_CLIENTS (50) Go clients in one
// document, each sending keystroke updates at each rate of
// COLLAB_BENCH_RATE ("20,30,40" per second) for COLLAB_BENCH_SECONDS (15):
// deliveries per second (updates received by the other clients) and the
// time from a send until each delivery.
func BenchmarkCollabDeliveries(b *testing.B) {
	clients, secs := envInt("COLLAB_BENCH_CLIENTS", 50), envInt("COLLAB_BENCH_SECONDS", 15)
	rates := []int{20, 30, 40}
	if v := os.Getenv("COLLAB_BENCH_RATE"); v != "" {
		rates = nil
		for _, r := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(r))
			if err != nil {
				b.Fatal(err)
			}
			rates = append(rates, n)
		}
	}
	d := benchDeployment(b)
	tokens := d.editors(b, (clients+19)/20)
	p, url := d.startBinary(b)
	pid := p.cmd.Process.Pid
	ctx := context.Background()
	conns := make([]*loadClient, clients)
	var sent sync.Map // [2]uint64{client, clock} -> time.Time
	var measuring atomic.Bool
	var delivered atomic.Int64
	hist := &histogram{}
	var wg sync.WaitGroup
	for i := range conns {
		ws, _, err := websocket.Dial(ctx, url+"/"+d.chapter+"?token="+tokens[i%len(tokens)], nil)
		if err != nil {
			b.Fatal(err)
		}
		ws.SetReadLimit(-1)
		c := &loadClient{ws: ws, client: uint64(10_000 + i)}
		conns[i] = c
		wg.Go(func() {
			for {
				_, frame, err := ws.Read(context.Background())
				if err != nil {
					return
				}
				now := time.Now()
				if !measuring.Load() {
					continue
				}
				updateEdits(frame, func(client, clock uint64) {
					if client == c.client {
						return
					}
					delivered.Add(1)
					if at, ok := sent.Load([2]uint64{client, clock}); ok {
						hist.add(now.Sub(at.(time.Time)))
					}
				})
			}
		})
	}
	b.Logf("load average before: %s", loadAvg())
	b.ResetTimer()
	for _, rate := range rates {
		stop := make(chan struct{})
		var senders sync.WaitGroup
		for _, c := range conns {
			senders.Go(func() {
				// A random phase, as people do not type in step.
				time.Sleep(time.Duration(rand.Int64N(int64(time.Second / time.Duration(rate)))))
				t := time.NewTicker(time.Second / time.Duration(rate))
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
					}
					frame := c.keystroke()
					if measuring.Load() {
						sent.Store([2]uint64{c.client, c.clock - 1}, time.Now())
					}
					if err := c.ws.Write(ctx, websocket.MessageBinary, frame); err != nil {
						return
					}
				}
			})
		}
		time.Sleep(2 * time.Second) // warm-up
		hist.reset()
		before := sampleProc(b, pid)
		delivered.Store(0)
		measuring.Store(true)
		start := time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		measuring.Store(false)
		elapsed := time.Since(start)
		after := sampleProc(b, pid)
		close(stop)
		senders.Wait()
		time.Sleep(time.Second) // the last deliveries
		n := delivered.Load()
		perSec := float64(n) / elapsed.Seconds()
		b.Logf("%d clients × %d updates/s: %.0f deliveries/s (%d timed), send to delivery p50 %s, p99 %s, max %s; server CPU %.0f%% of a core, RSS %.1f MiB; load %s",
			clients, rate, perSec, hist.count(), hist.pct(0.5), hist.pct(0.99), hist.max(),
			100*(after.cpu-before.cpu).Seconds()/elapsed.Seconds(), float64(after.rss)/1024, loadAvg())
		b.ReportMetric(perSec, fmt.Sprintf("deliveries/s@%d", rate))
		b.ReportMetric(float64(hist.pct(0.99).Microseconds())/1000, fmt.Sprintf("p99_ms@%d", rate))
		sent.Clear()
	}
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
	wg.Wait()
	b.StopTimer()
}

// histogram counts durations in 50 µs buckets up to one second.
type histogram struct {
	buckets [20000]atomic.Int64
}

const histBucket = 50 * time.Microsecond

func (h *histogram) add(d time.Duration) {
	i := int(d / histBucket)
	if i >= len(h.buckets) {
		i = len(h.buckets) - 1
	}
	h.buckets[i].Add(1)
}

func (h *histogram) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
}

func (h *histogram) count() int64 {
	var n int64
	for i := range h.buckets {
		n += h.buckets[i].Load()
	}
	return n
}

// pct is the upper bound of the bucket holding the p-th fraction.
func (h *histogram) pct(p float64) time.Duration {
	want := int64(p * float64(h.count()))
	var n int64
	for i := range h.buckets {
		if n += h.buckets[i].Load(); n > want {
			return time.Duration(i+1) * histBucket
		}
	}
	return time.Duration(len(h.buckets)) * histBucket
}

func (h *histogram) max() time.Duration {
	for i := len(h.buckets) - 1; i >= 0; i-- {
		if h.buckets[i].Load() > 0 {
			return time.Duration(i+1) * histBucket
		}
	}
	return 0
}

// BenchmarkCollabIdleConnections: COLLAB_BENCH_CONNS (1,000) idle sockets
// (read, never written to) on one `thebrain collab` process: its memory
// per socket. Limits allow 20 sockets per user and 100 per chapter, so the
// sockets belong to 50 users in two books of five chapters.
func BenchmarkCollabIdleConnections(b *testing.B) {
	n := envInt("COLLAB_BENCH_CONNS", 1000)
	d := benchDeployment(b)
	users := (n + 19) / 20
	chapters := (n + 99) / 100
	type member struct{ token, chapter string }
	var seats []member
	var books []string
	var chaptersOf [][]string
	for book := 0; len(seats) < n; book++ {
		owner := signup(b, d.api, fmt.Sprintf("owner%d@idle.example", book), "tidal lighthouse lamp, idle keeper", "Owner").AccessToken
		resp := d.api.Send("POST", "/api/v1/projects", owner, map[string]string{"title": "Idle"})
		testkit.WantStatus(b, resp, http.StatusCreated)
		var v struct{ ID string }
		resp.JSON(b, &v)
		books = append(books, v.ID)
		var chs []string
		for range min(5, chapters-5*book) {
			resp := d.api.Send("POST", "/api/v1/projects/"+v.ID+"/chapters", owner, map[string]string{"title": "Ch"})
			testkit.WantStatus(b, resp, http.StatusCreated)
			var c struct{ ID string }
			resp.JSON(b, &c)
			chs = append(chs, c.ID)
		}
		chaptersOf = append(chaptersOf, chs)
		tokens := []string{owner}
		for i := 1; i < min(25, users-25*book); i++ {
			email := fmt.Sprintf("idle%d-%d@idle.example", book, i)
			tokens = append(tokens, signup(b, d.api, email, "tidal lighthouse lamp, idle keeper", "Idle").AccessToken)
			testkit.WantStatus(b, d.api.Send("POST", "/api/v1/projects/"+v.ID+"/members", owner,
				map[string]string{"email": email, "role": "viewer"}), http.StatusCreated)
		}
		for i := 0; i < len(tokens)*20 && len(seats) < n; i++ {
			seats = append(seats, member{token: tokens[i/20], chapter: chs[i%len(chs)]})
		}
	}
	p, url := d.startBinary(b)
	pid := p.cmd.Process.Pid
	// Load the rooms first, so the difference is the sockets alone.
	ctx := context.Background()
	for _, chs := range chaptersOf {
		for _, ch := range chs {
			ws, _, err := websocket.Dial(ctx, url+"/"+ch+"?token="+d.owner, nil)
			if err == nil {
				_, _, _ = ws.Read(ctx)
				_ = ws.CloseNow()
			}
		}
	}
	time.Sleep(2 * time.Second)
	before := sampleProc(b, pid)
	b.ResetTimer()
	var open []*websocket.Conn
	for _, s := range seats {
		ws, _, err := websocket.Dial(ctx, url+"/"+s.chapter+"?token="+s.token, nil)
		if err != nil {
			b.Fatalf("socket %d: %v", len(open), err)
		}
		if _, _, err := ws.Read(ctx); err != nil { // the greeting
			b.Fatalf("socket %d: %v", len(open), err)
		}
		go func() {
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					return
				}
			}
		}()
		open = append(open, ws)
	}
	time.Sleep(5 * time.Second) // let the server settle (and its GC run)
	after := sampleProc(b, pid)
	b.StopTimer()
	per := float64(after.rss-before.rss) / float64(len(open))
	perAnon := float64(after.anon-before.anon) / float64(len(open))
	b.ReportMetric(per, "KiB/socket")
	b.Logf("%d idle sockets on %d chapters of %d books: RSS %.1f → %.1f MiB (anon %.1f → %.1f), %.1f KiB per socket (anon %.1f); load %s",
		len(open), chapters, len(books), float64(before.rss)/1024, float64(after.rss)/1024,
		float64(before.anon)/1024, float64(after.anon)/1024, per, perAnon, loadAvg())
	for _, ws := range open {
		_ = ws.CloseNow()
	}
}

// startBinary runs `thebrain collab` from a binary built for the benchmark,
// as production runs it: a child of the test binary would share its code
// pages with the test process, and the server's memory would count them.
func (d *collabDeployment) startBinary(b *testing.B) (*childProcess, string) {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "thebrain")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "collab")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "THEBRAIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "THEBRAIN_DATA_DIR="+b.TempDir())
	for k, v := range d.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &childProcess{cmd: cmd, logs: &testkit.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = io.Discard, p.logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	addr, _ := p.logLine(b, "listening")["addr"].(string)
	return p, "ws://" + addr + "/collab"
}
