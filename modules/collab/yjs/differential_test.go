package yjs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The differential test generates random multi-client editing traces with
// the pinned yjs (testdata/node/gen.mjs), runs the Go codec on every case,
// and lets yjs judge the Go results (testdata/node/check.mjs):
//
//	gen.mjs -> cases.ndjson -> Go -> results.ndjson -> check.mjs -> summary
//
// Half of the traces come from a fixed seed, half from a rotating one that
// is logged (and can be set with YJS_DIFF_SEED). YJS_DIFF_TRACES sets the
// total number of traces (default 2000); YJS_DIFF_TRACE=<seed>/<index> runs
// a single trace. The inputs and outputs of the first mismatch of each kind
// are written to testdata/node/.failures/.

const (
	fixedSeed        = "20261125"
	defaultTraces    = 2000
	maxListedFailure = 12
)

type diffTrace struct {
	Seed  string     `json:"seed"`
	Trace int        `json:"trace"`
	Desc  string     `json:"desc"`
	Blobs [][]byte   `json:"blobs"`
	Cases []diffCase `json:"cases"`
}

type diffCase struct {
	Op    string            `json:"op"`
	In    []int             `json:"in"`
	Want  *int              `json:"want"`
	SV    *int              `json:"sv"`
	Base  *int              `json:"base"`
	SVMap map[string]uint64 `json:"svmap"`
	Desc  string            `json:"desc"`
}

type diffResultLine struct {
	Trace int          `json:"trace"`
	R     []diffResult `json:"r"`
}

// diffResult is one Go result: O is set (possibly empty) on success, E on
// error; both are absent for cases that are checked on the Go side only.
type diffResult struct {
	O *[]byte `json:"o,omitempty"`
	E string  `json:"e,omitempty"`
}

type checkSummary struct {
	Cases         int                  `json:"cases"`
	ByteIdentical int                  `json:"byteIdentical"`
	StructEqual   int                  `json:"structEqual"`
	SemanticEqual int                  `json:"semanticEqual"`
	Mismatches    int                  `json:"mismatches"`
	GoErrors      int                  `json:"goErrors"`
	ByOp          map[string]opSummary `json:"byOp"`
	Kinds         []mismatchKind       `json:"kinds"`
	First         []checkFailure       `json:"first"`
	SemanticOnly  []checkFailure       `json:"semanticOnly"`
	HarnessErrors int                  `json:"harnessErrors"`
	HarnessFirst  []string             `json:"harnessFirst"`
}

// mismatchKind counts mismatches of one op with the same kind of difference.
type mismatchKind struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

type opSummary struct {
	Cases         int `json:"cases"`
	ByteIdentical int `json:"byteIdentical"`
	StructEqual   int `json:"structEqual"`
	SemanticEqual int `json:"semanticEqual"`
	Mismatches    int `json:"mismatches"`
	GoErrors      int `json:"goErrors"`
}

type checkFailure struct {
	Kind      string `json:"kind"`
	Seed      string `json:"seed"`
	Trace     int    `json:"trace"`
	Case      int    `json:"case"`
	Op        string `json:"op"`
	Desc      string `json:"desc"`
	TraceDesc string `json:"trace_desc"`
	Detail    string `json:"detail"`
	Files     string `json:"files"`
	Repro     string `json:"repro"`
}

// goSideFailure is a check that the Go test makes itself: DecodeStateVector
// against yjs's decoding, and no panics on malformed inputs.
type goSideFailure struct {
	seed, desc, detail string
	trace, index       int
	input              []byte // the malformed input, written to .failures when listed
}

func TestDifferentialAgainstYjs(t *testing.T) {
	t.Parallel()
	requireNode(t)
	total := defaultTraces
	if v := os.Getenv("YJS_DIFF_TRACES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			t.Fatalf("YJS_DIFF_TRACES=%q: want an integer >= 2", v)
		}
		total = n
	}
	rotating := os.Getenv("YJS_DIFF_SEED")
	if rotating == "" {
		rotating = strconv.FormatInt(time.Now().UnixNano()%1_000_000_007, 10)
	}
	type run struct {
		seed         string
		from, traces int
	}
	runs := []run{{fixedSeed, 0, total - total/2}, {rotating, 0, total / 2}}
	if only := os.Getenv("YJS_DIFF_TRACE"); only != "" {
		// One trace, to reproduce a failure: YJS_DIFF_TRACE=<seed>/<trace>.
		seed, idx, ok := strings.Cut(only, "/")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 {
			t.Fatalf("YJS_DIFF_TRACE=%q: want <seed>/<trace index>", only)
		}
		runs = []run{{seed, i, 1}}
		t.Logf("only trace %d of seed %s", i, seed)
	} else {
		t.Logf("fixed seed %s, rotating seed %s (reproduce with YJS_DIFF_SEED=%s), %d traces", fixedSeed, rotating, rotating, total)
	}
	dir := t.TempDir()
	failDir := absPath(t, filepath.Join(nodeDir, ".failures"))
	if err := os.RemoveAll(failDir); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context() // bounded by go test -timeout

	// Each seed is one pipeline; the two run side by side (one per core).
	type outcome struct {
		timing   string
		summary  checkSummary
		goSide   []goSideFailure
		goChecks int
		err      error
	}
	outcomes := make([]outcome, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outcomes[i]
			start := time.Now()
			lap := func(what string) {
				o.timing += fmt.Sprintf(" %s %.1fs", what, time.Since(start).Seconds())
				start = time.Now()
			}
			cases := filepath.Join(dir, fmt.Sprintf("cases-%d.ndjson", i))
			results := filepath.Join(dir, fmt.Sprintf("results-%d.ndjson", i))
			if o.err = generateCases(ctx, r.seed, r.from, r.traces, cases); o.err != nil {
				return
			}
			lap("generate")
			if o.goSide, o.goChecks, o.err = runGoSide(cases, results); o.err != nil {
				return
			}
			lap("go")
			var out []byte
			if out, o.err = runNode(ctx, "check.mjs", "--cases", cases, "--results", results, "--dump", failDir, "--max", strconv.Itoa(maxListedFailure)); o.err != nil {
				return
			}
			lap("check")
			o.err = json.Unmarshal(out, &o.summary)
		}()
	}
	wg.Wait()

	var sum checkSummary
	sum.ByOp = map[string]opSummary{}
	var failures, semanticOnly []checkFailure
	kinds := map[string]int{}
	var goSide []goSideFailure
	goChecks := 0
	for i, o := range outcomes {
		if o.err != nil {
			t.Fatalf("seed %s: %v", runs[i].seed, o.err)
		}
		t.Logf("seed %s:%s", runs[i].seed, o.timing)
		s := o.summary
		sum.Cases += s.Cases
		sum.ByteIdentical += s.ByteIdentical
		sum.StructEqual += s.StructEqual
		sum.SemanticEqual += s.SemanticEqual
		sum.Mismatches += s.Mismatches
		sum.GoErrors += s.GoErrors
		for op, v := range s.ByOp {
			a := sum.ByOp[op]
			a.Cases += v.Cases
			a.ByteIdentical += v.ByteIdentical
			a.StructEqual += v.StructEqual
			a.SemanticEqual += v.SemanticEqual
			a.Mismatches += v.Mismatches
			a.GoErrors += v.GoErrors
			sum.ByOp[op] = a
		}
		failures = append(failures, s.First...)
		semanticOnly = append(semanticOnly, s.SemanticOnly...)
		for _, h := range s.HarnessFirst {
			t.Errorf("check.mjs could not judge a case (a harness problem, not a codec mismatch): %s", truncate(h, 1500))
		}
		if s.HarnessErrors > len(s.HarnessFirst) {
			t.Errorf("... and %d more cases check.mjs could not judge", s.HarnessErrors-len(s.HarnessFirst))
		}
		for _, k := range s.Kinds {
			kinds[k.Kind] += k.Count
		}
		goSide = append(goSide, o.goSide...)
		goChecks += o.goChecks
	}

	t.Logf("%d cases: %d byte-identical, %d only semantically equal (%d of those with equal canonical structs), %d mismatches (%d Go errors)",
		sum.Cases, sum.ByteIdentical, sum.SemanticEqual-sum.ByteIdentical, sum.StructEqual-sum.ByteIdentical, sum.Mismatches, sum.GoErrors)
	for _, op := range slices.Sorted(maps.Keys(sum.ByOp)) {
		v := sum.ByOp[op]
		t.Logf("  %-5s %6d cases: %6d byte-identical, %6d semantic only, %5d mismatches (%d Go errors)",
			op, v.Cases, v.ByteIdentical, v.SemanticEqual-v.ByteIdentical, v.Mismatches, v.GoErrors)
	}
	t.Logf("  Go-side checks (DecodeStateVector, malformed inputs): %d, %d failures", goChecks, len(goSide))
	for _, f := range semanticOnly {
		t.Logf("  not byte-identical (semantically equal): seed %s trace %d case %d %s: %s: %s (files %s)",
			f.Seed, f.Trace, f.Case, f.Op, f.Desc, truncate(f.Detail, 600), f.Files)
	}

	if sum.Cases == 0 {
		t.Fatal("the generator produced no cases")
	}
	for i, f := range goSide {
		if i == maxListedFailure {
			t.Errorf("... and %d more Go-side failures", len(goSide)-i)
			break
		}
		where := fmt.Sprintf("seed %s trace %d", f.seed, f.trace)
		if f.index >= 0 {
			where += fmt.Sprintf(" case %d", f.index)
		}
		if f.input != nil {
			name := filepath.Join(failDir, fmt.Sprintf("malformed-seed%s-trace%d-%d.bin", f.seed, f.trace, i))
			if err := os.MkdirAll(failDir, 0o755); err == nil && os.WriteFile(name, f.input, 0o644) == nil {
				f.detail += "\n    input: " + name
			}
		}
		t.Errorf("%s (%s): %s", where, f.desc, f.detail)
	}
	if sum.Mismatches > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%d of %d cases differ from yjs. By kind:\n", sum.Mismatches, sum.Cases)
		byCount := slices.SortedFunc(maps.Keys(kinds), func(a, b string) int { return kinds[b] - kinds[a] })
		for _, k := range byCount {
			fmt.Fprintf(&b, "  %6d  %s\n", kinds[k], k)
		}
		fmt.Fprintf(&b, "\nThe first case of each kind:\n")
		listed := map[string]bool{}
		for _, f := range failures {
			if listed[f.Kind] || len(listed) == maxListedFailure {
				continue
			}
			listed[f.Kind] = true
			fmt.Fprintf(&b, "\n[%d] seed %s trace %d case %d: %s: %s\n    trace: %s\n    %s\n    rerun: YJS_DIFF_TRACE=%s/%d go test -run TestDifferentialAgainstYjs ./modules/collab/yjs/\n    cases: (cd %s && %s)\n",
				len(listed), f.Seed, f.Trace, f.Case, f.Op, f.Desc, f.TraceDesc, truncate(f.Detail, 1200), f.Seed, f.Trace, nodeDir, f.Repro)
			if f.Files != "" {
				fmt.Fprintf(&b, "    inputs and outputs: %s\n", f.Files)
			}
		}
		t.Error(b.String())
	}
}

// genStall is how long the generator may go without finishing a trace
// before the test stops it (one trace takes well under a second).
const genStall = 2 * time.Minute

// generateCases runs gen.mjs and stops it, naming the trace, when its output
// stops growing: a generator bug must fail the test, not hang it.
func generateCases(ctx context.Context, seed string, from, traces int, out string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	stalled := make(chan int64, 1)
	go func() {
		var last int64 = -1
		lastChange := time.Now()
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				var size int64
				if fi, err := os.Stat(out); err == nil {
					size = fi.Size()
				}
				if size != last {
					last, lastChange = size, time.Now()
				} else if time.Since(lastChange) > genStall {
					stalled <- size
					cancel()
					return
				}
			}
		}
	}()
	_, err := runNode(ctx, "gen.mjs", "--seed", seed, "--from", strconv.Itoa(from), "--traces", strconv.Itoa(traces), "--out", out)
	close(done)
	select {
	case size := <-stalled:
		n := 0
		if b, rerr := os.ReadFile(out); rerr == nil {
			n = bytes.Count(b, []byte("\n"))
		}
		return fmt.Errorf("gen.mjs stalled for %s at trace %d of seed %s (%d bytes written); reproduce with: (cd %s && node gen.mjs --seed %s --from %d --traces 1)",
			genStall, from+n, seed, size, nodeDir, seed, from+n)
	default:
		return err
	}
}
