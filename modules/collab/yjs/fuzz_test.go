package yjs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The fuzz targets check that no input panics, hangs or allocates without
// bound, and that whatever is accepted round-trips. Their seed corpora live
// in testdata/fuzz and are regenerated with YJS_WRITE_FUZZ_SEEDS=1 (see
// TestWriteFuzzSeeds).

// fuzzLimits keeps single fuzz executions cheap.
var fuzzLimits = Limits{MaxUpdateSize: 1 << 20, MaxStructs: 1 << 14, MaxDeleteRanges: 1 << 14, MaxDepth: 32}

func FuzzDecodeUpdate(f *testing.F) {
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := fuzzLimits.DecodeUpdate(data)
		_, svErr := fuzzLimits.EncodeStateVectorFromUpdate(data)
		_, diffErr := fuzzLimits.DiffUpdate(data, []byte{0})
		_, metaErr := fuzzLimits.ParseUpdateMeta(data)
		if (err == nil) != (svErr == nil) || (err == nil) != (diffErr == nil) || (err == nil) != (metaErr == nil) {
			t.Fatalf("decode %v, sv %v, diff %v, meta %v disagree", err, svErr, diffErr, metaErr)
		}
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		// What we write must decode, and writing it again is stable.
		once := u.Encode()
		u2, err := fuzzLimits.DecodeUpdate(once)
		if err != nil {
			t.Fatalf("re-encoded update does not decode: %v\n%x", err, once)
		}
		if twice := u2.Encode(); !bytes.Equal(once, twice) {
			t.Fatalf("encoding not stable:\n%x\n%x", once, twice)
		}
	})
}

func FuzzDecodeStateVector(f *testing.F) {
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := fuzzLimits.DecodeStateVector(data)
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		m2, err := DecodeStateVector(EncodeStateVector(m))
		if err != nil || len(m2) != len(m) {
			t.Fatalf("round trip: %v, %v vs %v", err, m2, m)
		}
		for k, v := range m {
			if m2[k] != v {
				t.Fatalf("round trip changed %d: %d vs %d", k, m2[k], v)
			}
		}
	})
}

func FuzzMergeUpdates(f *testing.F) {
	f.Add([]byte{0, 0}, []byte{0, 0})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		out, err := fuzzLimits.MergeUpdates([][]byte{a, b})
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		if _, err := fuzzLimits.DecodeUpdate(out); err != nil {
			t.Fatalf("merge output does not decode: %v\n%x", err, out)
		}
		// Accepting the pair means accepting each input.
		if _, err := fuzzLimits.DecodeUpdate(a); err != nil {
			t.Fatalf("merge accepted an invalid input: %v", err)
		}
	})
}

func FuzzDiffUpdate(f *testing.F) {
	f.Add([]byte{0, 0}, []byte{0})
	f.Fuzz(func(t *testing.T, update, sv []byte) {
		out, err := fuzzLimits.DiffUpdate(update, sv)
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		if _, err := fuzzLimits.DecodeUpdate(out); err != nil {
			t.Fatalf("diff output does not decode: %v\n%x", err, out)
		}
	})
}

func FuzzAny(f *testing.F) {
	f.Add([]byte{anyNull})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decoder{buf: data}
		canonical, err := scanAny(&d, 16)
		d2 := decoder{buf: data}
		v, err2 := decodeAnyValue(&d2, 0, 16)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("scan %v and decode %v disagree", err, err2)
		}
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		if d.pos != d2.pos {
			t.Fatalf("scan ended at %d, decode at %d", d.pos, d2.pos)
		}
		out := appendAnyValue(nil, v)
		if canonical != bytes.Equal(out, data[:d.pos]) {
			t.Fatalf("canonical=%v but rewrite gives %x for %x", canonical, out, data[:d.pos])
		}
		d3 := decoder{buf: out}
		if c, err := scanAny(&d3, 1<<10); err != nil || !c || d3.remaining() != 0 {
			t.Fatalf("rewrite %x is not canonical: %v", out, err)
		}
	})
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5,"x"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !validUTF8(data) {
			return // lib0 rejects the string before JSON.parse sees it
		}
		out, err := canonJSON(nil, data, 32)
		if err != nil {
			checkErrorKind(t, err)
			if !errors.Is(err, ErrLimit) && json.Valid(data) {
				t.Fatalf("rejected valid JSON %q: %v", data, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("output %q of %q is not JSON", out, data)
		}
		again, err := canonJSON(nil, out, 1<<10)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
	})
}

// FuzzReplaySort drives the port of V8's TimSort with arbitrary arrays and
// the inconsistent merge comparator: it must neither fail nor lose or
// duplicate elements.
func FuzzReplaySort(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 3*2000 {
			return
		}
		n := max(64, len(data)/3)
		arr := make([]*mergeReader, n)
		for i := range arr {
			b := data[(3*i)%len(data):]
			r := &mergeReader{seq: i}
			r.cur.ID = ID{Client: uint64(b[0] % 3), Clock: uint64(data[(3*i+1)%len(data)] % 5)}
			if data[(3*i+2)%len(data)]&1 == 1 {
				r.cur.Kind = KindItem
			}
			arr[i] = r
		}
		timSort(arr)
		seen := make([]bool, n)
		for _, r := range arr {
			if seen[r.seq] {
				t.Fatalf("element %d twice", r.seq)
			}
			seen[r.seq] = true
		}
	})
}

// checkErrorKind requires every failure to be one of the package's kinds.
func checkErrorKind(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
		t.Fatalf("unexpected error kind: %v", err)
	}
}

// TestWriteFuzzSeeds derives the seed corpora from the golden fixtures and
// synthetic traces and checks that testdata/fuzz holds them; with
// YJS_WRITE_FUZZ_SEEDS=1 it writes them instead.
func TestWriteFuzzSeeds(t *testing.T) {
	writing := os.Getenv("YJS_WRITE_FUZZ_SEEDS") != ""
	g := loadGolden(t)
	updates := goldenUpdates(t)
	synth := synthKeystrokes(30, 5)
	doc, _ := MergeUpdates(synth)
	updates = append(updates, synth[:3]...)
	updates = append(updates, doc)
	for _, h := range g.V2 {
		updates = append(updates, unhex(t, h))
	}
	var svs [][]byte
	for _, u := range updates {
		if sv, err := EncodeStateVectorFromUpdate(u); err == nil {
			svs = append(svs, sv)
		}
	}
	svs = append(svs, []byte{0}, EncodeStateVector(map[uint64]uint64{1001: 7, 3003: 2}))
	write := func(target string, i int, args ...[]byte) {
		var b bytes.Buffer
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			fmt.Fprintf(&b, "[]byte(%q)\n", a)
		}
		dir := filepath.Join("testdata", "fuzz", target)
		path := filepath.Join(dir, fmt.Sprintf("seed%03d", i))
		if !writing {
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, b.Bytes()) {
				t.Errorf("%s is missing or stale: run YJS_WRITE_FUZZ_SEEDS=1 go test -run WriteFuzzSeeds", path)
			}
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, u := range updates {
		write("FuzzDecodeUpdate", i, u)
		write("FuzzMergeUpdates", i, u, updates[(i+1)%len(updates)])
		write("FuzzDiffUpdate", i, u, svs[i%len(svs)])
	}
	for i, sv := range svs {
		write("FuzzDecodeStateVector", i, sv)
	}
	for i, a := range g.Anys {
		write("FuzzAny", i, unhex(t, a.In))
	}
	for i, j := range g.JSON {
		write("FuzzJSON", i, []byte(j.In))
	}
	for i, c := range g.Sorts {
		var b []byte
		for _, e := range c.Input {
			b = append(b, byte(e[0]), byte(e[1]), byte(e[2]))
		}
		write("FuzzReplaySort", i, b)
	}
}
