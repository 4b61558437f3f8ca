package yjs

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// goldenUpdates returns every update input and output of the golden file.
func goldenUpdates(t testing.TB) [][]byte {
	g := loadGolden(t)
	var out [][]byte
	for _, c := range g.Cases {
		if (c.Op == "merge" || c.Op == "diff") && len(c.In) > 0 {
			out = append(out, unhex(t, c.In[0]))
			if c.Out != nil {
				out = append(out, unhex(t, *c.Out))
			}
		}
	}
	return out
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		if c.Op != "merge" || c.Out == nil || len(c.In) < 2 {
			continue
		}
		// Merge output is in the form Yjs writes, so decoding and encoding
		// it again must reproduce it.
		want := unhex(t, *c.Out)
		u, err := DecodeUpdate(want)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if got := u.Encode(); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x\nwant %x", c.Name, got, want)
		}
	}
}

func TestEmptyUpdate(t *testing.T) {
	for _, in := range [][][]byte{nil, {{0, 0}}, {{0, 0}, {0, 0}}} {
		got, err := MergeUpdates(in)
		if err != nil || !bytes.Equal(got, []byte{0, 0}) {
			t.Errorf("merge %x = %x, %v", in, got, err)
		}
	}
	sv, err := EncodeStateVectorFromUpdate([]byte{0, 0})
	if err != nil || !bytes.Equal(sv, []byte{0}) {
		t.Errorf("sv of empty = %x, %v", sv, err)
	}
}

func TestRejectsV2(t *testing.T) {
	for _, h := range loadGolden(t).V2 {
		u := unhex(t, h)
		checks := map[string]error{}
		_, checks["merge"] = MergeUpdates([][]byte{u})
		_, checks["merge2"] = MergeUpdates([][]byte{u, {0, 0}})
		_, checks["sv"] = EncodeStateVectorFromUpdate(u)
		_, checks["diff"] = DiffUpdate(u, []byte{0})
		_, checks["decode"] = DecodeUpdate(u)
		for op, err := range checks {
			if !errors.Is(err, ErrUpdateV2) || !errors.Is(err, ErrMalformed) {
				t.Errorf("%s of %s: err = %v, want ErrUpdateV2", op, h, err)
			}
		}
	}
}

func TestTruncatedInputsFail(t *testing.T) {
	for _, u := range goldenUpdates(t) {
		for n := 0; n < len(u); n++ {
			prefix := u[:n]
			if _, err := DecodeUpdate(prefix); err == nil {
				t.Fatalf("prefix %x of %x decoded", prefix, u)
			}
			if _, err := MergeUpdates([][]byte{prefix, {0, 0}}); err == nil {
				t.Fatalf("prefix %x merged", prefix)
			}
			if _, err := EncodeStateVectorFromUpdate(prefix); err == nil {
				t.Fatalf("prefix %x gave a state vector", prefix)
			}
		}
		if _, err := DecodeUpdate(append(bytes.Clone(u), 0)); !errors.Is(err, ErrMalformed) {
			t.Errorf("trailing byte accepted: %v", err)
		}
	}
}

func TestHostileCountsFailFast(t *testing.T) {
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0x0f}
	inputs := [][]byte{
		huge,                                   // client groups
		append([]byte{1}, huge...),             // structs in a group
		append([]byte{0}, huge...),             // delete set clients
		append([]byte{0, 1, 5}, huge...),       // ranges of a client
		{1, 1, 1, 0, 8, 1, 1, 'r', 0xff, 0x7f}, // Any elements
		{1, 1, 1, 0, 2, 1, 1, 'r', 0xff, 0x7f}, // JSON elements
		{1, 1, 1, 0, 4, 1, 1, 'r', 0xff, 0x7f}, // string length
	}
	for _, in := range inputs {
		allocs := testing.AllocsPerRun(5, func() {
			if _, err := EncodeStateVectorFromUpdate(in); err == nil {
				t.Errorf("%x accepted", in)
			}
		})
		if allocs > 10 {
			t.Errorf("%x: %v allocations", in, allocs)
		}
	}
}

func TestLimits(t *testing.T) {
	u := synthKeystrokes(50, 3)
	doc, err := MergeUpdates(u)
	if err != nil {
		t.Fatal(err)
	}
	tight := []struct {
		name string
		lim  Limits
	}{
		{"size", Limits{MaxUpdateSize: len(doc) - 1}},
		{"structs", Limits{MaxStructs: 10}},
		{"delete ranges", Limits{MaxDeleteRanges: 2}},
		{"clients", Limits{MaxClients: 1}},
	}
	for _, tt := range tight {
		if _, err := tt.lim.EncodeStateVectorFromUpdate(doc); !errors.Is(err, ErrLimit) {
			t.Errorf("%s: sv err = %v", tt.name, err)
		}
		if _, err := tt.lim.DiffUpdate(doc, []byte{0}); !errors.Is(err, ErrLimit) {
			t.Errorf("%s: diff err = %v", tt.name, err)
		}
		if _, err := tt.lim.MergeUpdates([][]byte{doc, {0, 0}}); !errors.Is(err, ErrLimit) {
			t.Errorf("%s: merge err = %v", tt.name, err)
		}
	}
	if _, err := (Limits{MaxClients: 1}).DecodeStateVector([]byte{2, 1, 1, 2, 2}); !errors.Is(err, ErrLimit) {
		t.Errorf("state vector over MaxClients: %v", err)
	}
	// Depth applies to Any content.
	deep := append([]byte{1, 1, 1, 0, 8, 1, 1, 'r', 1}, bytes.Repeat([]byte{anyArray, 1}, 20)...)
	deep = append(deep, anyNull, 0)
	if _, err := (Limits{MaxDepth: 30}).DecodeUpdate(deep); err != nil {
		t.Fatalf("depth 20 under limit 30: %v", err)
	}
	if _, err := (Limits{MaxDepth: 10}).DecodeUpdate(deep); !errors.Is(err, ErrLimit) {
		t.Errorf("depth 20 over limit 10: %v", err)
	}
	// Zero fields take the defaults.
	if got := (Limits{}).withDefaults(); got != DefaultLimits {
		t.Errorf("zero limits = %+v", got)
	}
}

func TestDecodeStateVector(t *testing.T) {
	sv := EncodeStateVector(map[uint64]uint64{5: 10, 1 << 40: 3, 7: 0})
	if want := []byte{3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 3, 7, 0, 5, 10}; !bytes.Equal(sv, want) {
		t.Errorf("encode = %x, want %x", sv, want)
	}
	m, err := DecodeStateVector(sv)
	if err != nil || len(m) != 3 || m[1<<40] != 3 || m[5] != 10 {
		t.Errorf("decode = %v, %v", m, err)
	}
	// A repeated client keeps the last clock.
	if m, err := DecodeStateVector([]byte{2, 1, 5, 1, 9}); err != nil || m[1] != 9 {
		t.Errorf("repeated client = %v, %v", m, err)
	}
	for _, bad := range [][]byte{nil, {1}, {1, 1}, {0, 0}, {0xff, 0xff, 0xff, 0x0f}} {
		if _, err := DecodeStateVector(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%x: err = %v", bad, err)
		}
	}
}

func TestMergeDedupesOverlaps(t *testing.T) {
	all := synthKeystrokes(400, 9)
	doc, err := MergeUpdates(all)
	if err != nil {
		t.Fatal(err)
	}
	// Merging the document with any subset of its updates, in any order,
	// changes nothing.
	again, err := MergeUpdates(append([][]byte{all[10], doc, all[200]}, all[300:320]...))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, doc) {
		t.Errorf("overlapping merge differs:\n got %x\nwant %x", again, doc)
	}
	// Merging two halves gives the whole.
	a, _ := MergeUpdates(all[:250])
	b, _ := MergeUpdates(all[150:])
	ab, err := MergeUpdates([][]byte{b, a})
	if err != nil || !bytes.Equal(ab, doc) {
		t.Errorf("halves merge differs: %v", err)
	}
	// A diff against a state vector, merged back into the older state,
	// also gives the whole.
	old, _ := MergeUpdates(all[:300])
	sv, _ := EncodeStateVectorFromUpdate(old)
	d, err := DiffUpdate(doc, sv)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := MergeUpdates([][]byte{old, d})
	backSV, _ := EncodeStateVectorFromUpdate(back)
	docSV, _ := EncodeStateVectorFromUpdate(doc)
	if !bytes.Equal(backSV, docSV) {
		t.Errorf("state after diff = %x, want %x", backSV, docSV)
	}
}

func TestMergeFillsGapsWithSkips(t *testing.T) {
	all := synthKeystrokes(100, 4)
	var inserts [][]byte
	for _, u := range all {
		if x, _ := DecodeUpdate(u); len(x.Structs) > 0 {
			inserts = append(inserts, u)
		}
	}
	merged, err := MergeUpdates([][]byte{inserts[0], inserts[5]})
	if err != nil {
		t.Fatal(err)
	}
	u, err := DecodeUpdate(merged)
	if err != nil {
		t.Fatal(err)
	}
	kinds := ""
	for _, s := range u.Structs {
		kinds += map[Kind]string{KindGC: "G", KindSkip: "S", KindItem: "I"}[s.Kind]
	}
	if kinds != "ISI" {
		t.Errorf("struct kinds = %s, want ISI", kinds)
	}
	if m, err := ParseUpdateMeta(merged); err != nil || m.Skips != 1 {
		t.Errorf("meta = %+v, %v; want one Skip", m, err)
	}
	sv, _ := EncodeStateVectorFromUpdate(merged)
	if m, _ := DecodeStateVector(sv); m[u.Structs[0].ID.Client] != 1 {
		t.Errorf("state vector %v should stop at the Skip", m)
	}
}

func TestSplitSurrogatePair(t *testing.T) {
	s := Struct{Kind: KindItem, ID: ID{1, 0}, Length: 4, Parent: ParentRoot, ParentName: []byte("t"),
		Content: Content{Ref: RefString, Data: []byte("a😀b")}}
	right, err := spliceStruct(&s, 2)
	if err != nil {
		t.Fatal(err)
	}
	if string(right.Content.Data) != "\ufffdb" || right.Length != 2 || right.Origin != (ID{1, 1}) || !right.HasOrigin {
		t.Errorf("right = %+v", right)
	}
	// Writing with an offset inside the pair gives the same bytes.
	var viaOffset, viaSplice []byte
	viaOffset = appendStruct(viaOffset, &s, 2)
	viaSplice = appendStruct(viaSplice, &right, 0)
	if !bytes.Equal(viaOffset, viaSplice) {
		t.Errorf("offset write %x, splice write %x", viaOffset, viaSplice)
	}
	if _, err := spliceStruct(&Struct{Kind: KindItem, Length: 1, Content: Content{Ref: RefBinary}}, 1); err == nil {
		t.Error("split binary content")
	}
}

// TestMergeManyTiesStaysFast merges thousands of inputs that all start at
// the same position, half with a GC and half with an Item there, which
// forces the V8 sort replay on every step.
func TestMergeManyTiesStaysFast(t *testing.T) {
	gc := Update{Structs: []Struct{{Kind: KindGC, ID: ID{7, 0}, Length: 2}}}
	item := Update{Structs: []Struct{{Kind: KindItem, ID: ID{7, 0}, Length: 1,
		Parent: ParentRoot, ParentName: []byte("t"), Content: Content{Ref: RefString, Data: []byte("x")}}}}
	var in [][]byte
	for i := 0; i < 3000; i++ {
		if i%2 == 0 {
			in = append(in, gc.Encode())
		} else {
			in = append(in, item.Encode())
		}
	}
	start := time.Now()
	out, err := MergeUpdates(in)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("merge took %v", d)
	}
	u, err := DecodeUpdate(out)
	if err != nil || len(u.Structs) == 0 || u.Structs[len(u.Structs)-1].End() != 2 {
		t.Errorf("merged %x: %v", out, err)
	}
}

// TestResultsDoNotShareBuffers guards the buffer pool: a result must stay
// intact while later calls reuse pooled memory.
func TestResultsDoNotShareBuffers(t *testing.T) {
	a := synthKeystrokes(200, 21)
	b := synthKeystrokes(200, 22)
	first, err := MergeUpdates(a)
	if err != nil {
		t.Fatal(err)
	}
	keep := bytes.Clone(first)
	for i := 0; i < 5; i++ {
		if _, err := MergeUpdates(b); err != nil {
			t.Fatal(err)
		}
		if _, err := DiffUpdate(first, []byte{0}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(first, keep) {
		t.Error("an earlier result changed")
	}
}
