package ydoc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
	"github.com/thebrain/thebrain/platform/testkit"
)

// The differential test generates random editing traces with the pinned
// yjs (testdata/node/gen.mjs) and replays them in Go: every checkpoint of a
// receiver that got the updates partially, out of order, merged and
// duplicated must show the same toJSON of every root, XmlFragment
// toString, Y.Text toDelta and state vector; the encoded state is compared
// byte for byte, and (check.mjs) applied to a fresh yjs document must give
// the same content. The event log of one client (remote updates and its own
// edits) is replayed through the Go write API and every edit must produce
// the update bytes yjs produced.
//
// Half of the traces use a fixed seed, half a rotating one that is logged
// (YDOC_DIFF_SEED sets it). YDOC_DIFF_TRACES sets the total (default 300).

const (
	fixedSeed     = "20261204"
	defaultTraces = 300
	nodeDir       = "testdata/node"
)

type expect struct {
	JSON      map[string]any `json:"json"`
	XMLString string         `json:"xmlString"`
	Delta     any            `json:"delta"`
	SV        []byte         `json:"sv"`
	State     []byte         `json:"state"`
}

type checkpoint struct {
	At     int    `json:"at"`
	Expect expect `json:"expect"`
	Target []byte `json:"target"`
	Diff   []byte `json:"diff"`
}

type event struct {
	K  string         `json:"k"`
	U  []byte         `json:"u"`
	Op map[string]any `json:"op"`
}

type trace struct {
	Seed        string       `json:"seed"`
	Trace       int          `json:"trace"`
	Desc        string       `json:"desc"`
	Deliveries  [][]byte     `json:"deliveries"`
	Checkpoints []checkpoint `json:"checkpoints"`
	LocalClient uint64       `json:"localClient"`
	Events      []event      `json:"events"`
	LocalExpect expect       `json:"localExpect"`
	Untyped     expect       `json:"untyped"`
}

// requireNode installs the pinned yjs (npm ci, once per lock file) and
// fails the test when Node.js or npm is missing: this test is what holds
// the package to yjs.
func requireNode(tb testing.TB) {
	tb.Helper()
	if err := testkit.NPMInstall(nodeDir, "node_modules/yjs/package.json"); err != nil {
		tb.Fatalf("the ydoc differential test needs Node.js and npm: %v", err)
	}
}

func generate(t *testing.T, seed string, from, n int) []trace {
	t.Helper()
	out := filepath.Join(t.TempDir(), "traces-"+seed+".ndjson")
	abs, _ := filepath.Abs(out)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "gen.mjs", "--seed", seed, "--from", strconv.Itoa(from), "--traces", strconv.Itoa(n), "--out", abs)
	cmd.Dir = nodeDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.mjs: %v\n%s", err, b)
	}
	f, err := os.Open(abs)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var traces []trace
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for sc.Scan() {
		var tr trace
		if err := json.Unmarshal(sc.Bytes(), &tr); err != nil {
			t.Fatal(err)
		}
		traces = append(traces, tr)
	}
	return traces
}

// jsonOf re-reads Go's JSON so that both sides compare as decoded values.
func jsonOf(t *testing.T, v any) any {
	b, err := ydoc.MarshalJS(v)
	if err != nil {
		t.Fatalf("MarshalJS: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func deltaOf(t *testing.T, ds []ydoc.Delta) any {
	ops := make([]any, 0, len(ds))
	for _, d := range ds {
		op := map[string]any{"insert": d.Insert}
		if s, ok := d.Insert.(fmt.Stringer); ok {
			op["insert"] = s.String()
		}
		if d.Attributes != nil {
			op["attributes"] = d.Attributes
		}
		ops = append(ops, op)
	}
	return jsonOf(t, ops)
}

func roots(d *ydoc.Doc) {
	d.Text("text")
	d.Map("map")
	d.Array("array")
	d.XmlFragment("xml")
}

type stats struct {
	traces, checkpoints, stateBytesEqual, localEdits, localBytesEqual int
	diffs, diffsEqual                                                 int
	failures                                                          []string
	states                                                            []stateCase
}

// stateCase is one Go-encoded state for check.mjs, with yjs's own
// encoding of the same document: both are applied to fresh yjs documents,
// which must end up with the same content. (That content can differ from
// the encoding document's when it holds pending structs: a fresh document
// gets them together with what they wait for.)
type stateCase struct {
	State    []byte `json:"state"`
	YjsState []byte `json:"yjsState"`
	Where    string `json:"where"`
}

func (s *stats) fail(format string, args ...any) {
	if len(s.failures) < 15 {
		s.failures = append(s.failures, fmt.Sprintf(format, args...))
	}
}

// compare checks a Go document against what yjs reported.
func compare(t *testing.T, s *stats, where string, d *ydoc.Doc, want expect, countState bool) {
	roots(d) // yjs's expectOf names them too
	got := jsonOf(t, d.ToJSON())
	var wantJSON any = map[string]any(want.JSON)
	wantJSON = jsonOf(t, wantJSON)
	if !reflect.DeepEqual(got, wantJSON) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(wantJSON)
		s.fail("%s: toJSON\n got %s\nwant %s", where, gb, wb)
	}
	if got := d.XmlFragment("xml").String(); got != want.XMLString {
		s.fail("%s: xml toString\n got %q\nwant %q", where, got, want.XMLString)
	}
	if got, wantD := deltaOf(t, d.Text("text").Delta()), jsonOf(t, want.Delta); !reflect.DeepEqual(got, wantD) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(wantD)
		s.fail("%s: text toDelta\n got %s\nwant %s", where, gb, wb)
	}
	if got := d.StateVector(); !bytes.Equal(got, want.SV) {
		s.fail("%s: state vector\n got %x\nwant %x", where, got, want.SV)
	}
	state, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		s.fail("%s: EncodeStateAsUpdate: %v", where, err)
		return
	}
	if countState {
		s.checkpoints++
		if bytes.Equal(state, want.State) {
			s.stateBytesEqual++
		}
	}
	s.states = append(s.states, stateCase{State: state, YjsState: want.State, Where: where})
}

func runTrace(t *testing.T, s *stats, tr trace) {
	where := fmt.Sprintf("seed %s trace %d (%s)", tr.Seed, tr.Trace, tr.Desc)
	defer func() {
		if r := recover(); r != nil {
			s.fail("%s: panic: %v", where, r)
		}
	}()
	s.traces++
	d := ydoc.New(7)
	roots(d)
	next := 0
	for i, u := range tr.Deliveries {
		if err := d.ApplyUpdate(u); err != nil {
			s.fail("%s: delivery %d: %v", where, i, err)
			return
		}
		for next < len(tr.Checkpoints) && tr.Checkpoints[next].At == i {
			cp := tr.Checkpoints[next]
			at := fmt.Sprintf("%s after delivery %d", where, i)
			compare(t, s, at, d, cp.Expect, true)
			s.diffs++
			if got, err := d.EncodeStateAsUpdate(cp.Target); err != nil {
				s.fail("%s: EncodeStateAsUpdate(sv): %v", at, err)
			} else if bytes.Equal(got, cp.Diff) {
				s.diffsEqual++
			} else {
				s.fail("%s: EncodeStateAsUpdate(sv %x)\n got %x\nwant %x", at, cp.Target, got, cp.Diff)
			}
			next++
		}
	}
	// a receiver that names its roots only at the end
	u := ydoc.New(7)
	for i, up := range tr.Deliveries {
		if err := u.ApplyUpdate(up); err != nil {
			s.fail("%s: untyped receiver, delivery %d: %v", where, i, err)
			return
		}
	}
	compare(t, s, where+" untyped receiver", u, tr.Untyped, true)
	// the local client's log, through the write API
	l := ydoc.New(tr.LocalClient)
	roots(l)
	for i, ev := range tr.Events {
		if ev.K == "r" {
			if err := l.ApplyUpdate(ev.U); err != nil {
				s.fail("%s: local log event %d: %v", where, i, err)
				return
			}
			continue
		}
		s.localEdits++
		got, err := l.Transact(func(tx *ydoc.Tx) error { return replay(tx, l, ev.Op) })
		if err != nil {
			s.fail("%s: local edit %d %v: %v", where, i, ev.Op, err)
			return
		}
		if bytes.Equal(got, ev.U) {
			s.localBytesEqual++
		} else {
			s.fail("%s: local edit %d %v\n got %x\nwant %x", where, i, ev.Op, got, ev.U)
			return
		}
	}
	compare(t, s, where+" local client", l, tr.LocalExpect, false)
}

func TestDifferentialAgainstYjs(t *testing.T) {
	requireNode(t)
	total := defaultTraces
	if v := os.Getenv("YDOC_DIFF_TRACES"); v != "" {
		total, _ = strconv.Atoi(v)
	}
	rotating := os.Getenv("YDOC_DIFF_SEED")
	if rotating == "" {
		rotating = strconv.FormatInt(time.Now().Unix()/3600, 10)
	}
	t.Logf("seeds: fixed %s, rotating %s (set YDOC_DIFF_SEED to repeat)", fixedSeed, rotating)
	var s stats
	for _, seed := range []string{fixedSeed, rotating} {
		for _, tr := range generate(t, seed, 0, total/2) {
			runTrace(t, &s, tr)
		}
	}
	// Go's encoded states, applied to fresh yjs documents, must give the
	// same content.
	dir := t.TempDir()
	in := filepath.Join(dir, "states.ndjson")
	var buf bytes.Buffer
	for _, c := range s.states {
		b, _ := json.Marshal(c)
		buf.Write(append(b, '\n'))
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "check.mjs", in)
	cmd.Dir = nodeDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("check.mjs: %v\n%s", err, out)
	}
	t.Logf("%d traces, %d receiver checkpoints (encoded state byte-identical to yjs at %d, state against another client's state vector at %d of %d), %d local edits (%d byte-identical), %d Go states re-read by yjs: %s",
		s.traces, s.checkpoints, s.stateBytesEqual, s.diffsEqual, s.diffs, s.localEdits, s.localBytesEqual, len(s.states), strings.TrimSpace(string(out)))
	for _, f := range s.failures {
		t.Error(f)
	}
}

// regressions are traces that once failed; each names what went wrong.
var regressions = []struct {
	seed  string
	trace int
	why   string
}{
	{"777", 368, "a null format item right of a text insertion ended the negated-attribute scan (undefined !== null)"},
	{"20261204", 437, "insertEmbed without attributes inherits none (yjs passes attributes || {})"},
}

func TestDifferentialRegressions(t *testing.T) {
	requireNode(t)
	for _, r := range regressions {
		var s stats
		for _, tr := range generate(t, r.seed, r.trace, 1) {
			runTrace(t, &s, tr)
		}
		for _, f := range s.failures {
			t.Errorf("%s: %s", r.why, f)
		}
	}
}
