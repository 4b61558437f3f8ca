package collab

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
	"github.com/thebrain/thebrain/platform/testkit"
)

// BenchmarkChapterDocument does what the server does with a chapter's
// collaborative document, in Go and, in the same run, in Node the way a
// JavaScript collaboration server does it (yjs 13.6.33, y-prosemirror,
// prosemirror-markdown: prosemirror/testdata/node/sidebyside.mjs), round by
// round alternately so both sides see the same machine:
//
//   - integrate: a 37,000-keystroke editing log (ydoc/testdata/node/editlog.mjs)
//     applied update by update to a fresh document;
//   - load: a ~500 KB chapter's state (written by y-prosemirror) into a
//     fresh document;
//   - render: the loaded chapter read out of its fragment and written as
//     Markdown (Go: FromYDoc + Markdown, what renderMarkdown does; Node:
//     yXmlFragmentToProseMirrorRootNode + serialize);
//   - save: a REST save of that chapter (one word changed mid-chapter and a
//     paragraph added) turned into an update (Go: applyMarkdown, the
//     server's whole path: read the document, parse the base and the new
//     Markdown, merge by block, compute the update; Node: the same steps
//     with prosemirror-markdown, a port of the merge and y-prosemirror's
//     updateYFragment); and the same save without the merge (parse the new
//     Markdown, update the fragment to it), as y-prosemirror alone would;
//
// and the heap one loaded document holds on each side. Run it with
// -benchtime 1x; CHAPTERDOC_ROUNDS sets the rounds (default 7, after a
// warm-up of three rounds of every operation on each side; the first
// measured round is not counted either).
//
//	go test -run '^$' -bench ChapterDocument -benchtime 1x ./modules/collab/
func BenchmarkChapterDocument(b *testing.B) {
	for _, dir := range []struct{ dir, probe string }{
		{"ydoc/testdata/node", "node_modules/yjs/package.json"},
		{"prosemirror/testdata/node", "node_modules/y-prosemirror/package.json"},
	} {
		if err := testkit.NPMInstall(dir.dir, dir.probe); err != nil {
			b.Fatalf("the chapter-document benchmark runs the JavaScript stack beside Go: %v", err)
		}
	}
	rounds := 7
	if s := os.Getenv("CHAPTERDOC_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			b.Fatalf("CHAPTERDOC_ROUNDS=%q: want a number ≥ 2", s)
		}
		rounds = n
	}

	tmp := b.TempDir()
	logFile := filepath.Join(tmp, "editlog.bin")
	gen := exec.Command("node", "editlog.mjs", "--updates", "37000", "--out", logFile)
	gen.Dir = "ydoc/testdata/node"
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("editlog.mjs: %v\n%s", err, out)
	}
	js := startSideBySide(b, logFile, tmp)

	editlog := readEditLog(b, logFile)
	state := readFile(b, filepath.Join(tmp, "doc.update"))
	base := string(readFile(b, filepath.Join(tmp, "doc.md")))
	mid := strings.Index(base[len(base)/2:], " the ") + len(base)/2
	next := base[:mid] + " a " + base[mid+len(" the "):] + "\n\nA new paragraph written through the API.\n"

	load := func() *ydoc.Doc {
		d, err := loadYDoc(state, 7)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	if md := prosemirror.Markdown(prosemirror.FromYDoc(load(), prosemirror.FragmentName)); md != base {
		b.Fatalf("Go renders the chapter differently from prosemirror-markdown (%d vs %d bytes)", len(md), len(base))
	}

	type op struct {
		name, key string
		req       map[string]any
		// run does one round; prepare, if any, runs before it untimed.
		prepare func()
		run     func()
	}
	var (
		loaded = load()
		fresh  *ydoc.Doc
	)
	ops := []op{
		{name: "integrate 37k-update log", key: "integrate", req: map[string]any{"op": "integrate"}, run: func() {
			d := ydoc.New(1)
			d.XmlFragment("prosemirror")
			for _, u := range editlog {
				if err := d.ApplyUpdate(u); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: "load 500 KB chapter", key: "load", req: map[string]any{"op": "load"}, run: func() { load() }},
		{name: "render 500 KB to Markdown", key: "render", req: map[string]any{"op": "render"}, run: func() {
			prosemirror.Markdown(prosemirror.FromYDoc(loaded, prosemirror.FragmentName))
		}},
		{name: "REST save as an update (the server's path: block merge)", key: "save", req: map[string]any{"op": "merge", "base": base, "markdown": next},
			prepare: func() { fresh = load() },
			run: func() {
				u, err := applyMarkdown(fresh, base, next)
				if err != nil || len(u) == 0 {
					b.Fatalf("applyMarkdown: %d bytes, %v", len(u), err)
				}
			}},
		{name: "REST save, parse and update only", key: "save-same", req: map[string]any{"op": "save", "markdown": next},
			prepare: func() { fresh = load() },
			run: func() {
				u, err := prosemirror.UpdateYDoc(fresh, prosemirror.FragmentName, prosemirror.ParseMarkdown(next))
				if err != nil || len(u) == 0 {
					b.Fatalf("UpdateYDoc: %d bytes, %v", len(u), err)
				}
			}},
	}

	// Warm-up: every operation a few times on each side first, so V8's
	// optimizing compiler has seen all of them before anything is counted.
	for _, o := range ops {
		for range 3 {
			if o.prepare != nil {
				o.prepare()
			}
			o.run()
		}
		req := map[string]any{"rounds": 3}
		for k, v := range o.req {
			req[k] = v
		}
		js.call(b, req, &struct{}{})
	}

	b.ResetTimer()
	var table strings.Builder
	fmt.Fprintf(&table, "| operation | Go p50 | Node p50 | Node / Go |\n| --- | ---: | ---: | ---: |\n")
	for _, o := range ops {
		var goMS, jsMS []float64
		for r := 0; r < rounds; r++ {
			if o.prepare != nil {
				o.prepare()
			}
			t0 := time.Now()
			o.run()
			goMS = append(goMS, float64(time.Since(t0).Microseconds())/1000)
			req := map[string]any{"rounds": 1}
			for k, v := range o.req {
				req[k] = v
			}
			var res struct{ MS []float64 }
			js.call(b, req, &res)
			jsMS = append(jsMS, res.MS...)
		}
		g, j := median(goMS[1:]), median(jsMS[1:])
		fmt.Fprintf(&table, "| %s | %.1f ms | %.1f ms | %.1fx |\n", o.name, g, j, j/g)
		b.ReportMetric(g, o.key+"-go-ms")
		b.ReportMetric(j, o.key+"-node-ms")
	}

	// Heap held by one loaded document on each side.
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	loaded, fresh = nil, nil
	h0 := heap()
	keep := load()
	goChapter := heap() - h0
	h1 := heap()
	logDoc := ydoc.New(1)
	for _, u := range editlog {
		_ = logDoc.ApplyUpdate(u)
	}
	goLog := heap() - h1
	runtime.KeepAlive(keep)
	runtime.KeepAlive(logDoc)
	var mem struct{ Chapter, Editlog float64 }
	js.call(b, map[string]any{"op": "memory"}, &mem)
	fmt.Fprintf(&table, "| heap held by the loaded 500 KB chapter | %.1f MiB | %.1f MiB | %.1fx |\n",
		float64(goChapter)/(1<<20), mem.Chapter/(1<<20), mem.Chapter/float64(goChapter))
	fmt.Fprintf(&table, "| heap held by the 37k-update log's document | %.1f MiB | %.1f MiB | %.1fx |\n",
		float64(goLog)/(1<<20), mem.Editlog/(1<<20), mem.Editlog/float64(goLog))
	b.ReportMetric(float64(goChapter)/(1<<20), "chapter-go-MiB")
	b.ReportMetric(mem.Chapter/(1<<20), "chapter-node-MiB")
	b.Logf("%d rounds per side (first not counted), chapter %d KB of Markdown, state %d KB:\n%s",
		rounds, len(base)>>10, len(state)>>10, table.String())
}

// sideBySide is the Node process of sidebyside.mjs, one request at a time.
type sideBySide struct {
	in  *json.Encoder
	out *bufio.Scanner
}

func startSideBySide(b *testing.B, editlog, dir string) *sideBySide {
	cmd := exec.Command("node", "--expose-gc", "sidebyside.mjs", "--editlog", editlog, "--dir", dir, "--kb", "500")
	cmd.Dir = "prosemirror/testdata/node"
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	s := &sideBySide{in: json.NewEncoder(stdin), out: bufio.NewScanner(stdout)}
	s.out.Buffer(nil, 64<<20)
	var ready struct{ Ready map[string]int }
	s.read(b, &ready)
	if ready.Ready == nil {
		b.Fatal("sidebyside.mjs did not start")
	}
	return s
}

func (s *sideBySide) call(b *testing.B, req map[string]any, into any) {
	if err := s.in.Encode(req); err != nil {
		b.Fatal(err)
	}
	s.read(b, into)
}

func (s *sideBySide) read(b *testing.B, into any) {
	if !s.out.Scan() {
		b.Fatalf("sidebyside.mjs ended: %v", s.out.Err())
	}
	var e struct{ Error string }
	_ = json.Unmarshal(s.out.Bytes(), &e)
	if e.Error != "" {
		b.Fatalf("sidebyside.mjs: %s", e.Error)
	}
	if err := json.Unmarshal(s.out.Bytes(), into); err != nil {
		b.Fatalf("sidebyside.mjs answered %.200q: %v", s.out.Bytes(), err)
	}
}

// readEditLog splits editlog.mjs's file of length-prefixed updates.
func readEditLog(b *testing.B, name string) [][]byte {
	raw := readFile(b, name)
	var updates [][]byte
	for len(raw) > 0 {
		n, k := binary.Uvarint(raw)
		if k <= 0 || uint64(len(raw)-k) < n {
			b.Fatalf("%s: a truncated update", name)
		}
		updates = append(updates, raw[k:k+int(n)])
		raw = raw[k+int(n):]
	}
	return updates
}

func readFile(b *testing.B, name string) []byte {
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
