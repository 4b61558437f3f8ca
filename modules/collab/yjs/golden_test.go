package yjs

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

type goldenFile struct {
	Cases []struct {
		Name string
		Op   string
		In   []string
		Out  *string
		Err  *string
	}
	JSON  []struct{ In, Out string }
	Anys  []struct{ In, Out string }
	V2    []string
	Sorts []struct {
		Input [][3]uint64
		Perm  []int
	}
	Metas []struct {
		Update   string
		From, To map[string]uint64
	}
}

func loadGolden(t testing.TB) goldenFile {
	t.Helper()
	b, err := os.ReadFile("testdata/golden/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenAgainstYjs(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			in := make([][]byte, len(c.In))
			for i, h := range c.In {
				in[i] = unhex(t, h)
			}
			var got []byte
			var err error
			switch c.Op {
			case "merge":
				got, err = MergeUpdates(in)
			case "sv":
				got, err = EncodeStateVectorFromUpdate(in[0])
			case "diff":
				got, err = DiffUpdate(in[0], in[1])
			default:
				t.Fatalf("unknown op %q", c.Op)
			}
			if c.Err != nil {
				if err == nil {
					t.Fatalf("yjs failed with %s, Go succeeded", *c.Err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, *c.Out); !bytes.Equal(got, want) {
				t.Errorf("\n got %x\nwant %x", got, want)
			}
		})
	}
}

func TestGoldenJSONCanonical(t *testing.T) {
	for _, c := range loadGolden(t).JSON {
		got, err := canonJSON(nil, []byte(c.In), 100)
		if err != nil {
			t.Errorf("%s: %v", c.In, err)
			continue
		}
		if string(got) != c.Out {
			t.Errorf("%s: got %s, want %s", c.In, got, c.Out)
		}
	}
}

func TestGoldenAnyCanonical(t *testing.T) {
	for _, c := range loadGolden(t).Anys {
		in := unhex(t, c.In)
		d := decoder{buf: in}
		canonical, err := scanAny(&d, 100)
		if err != nil || d.remaining() != 0 {
			t.Errorf("%s: scan: %v, %d left", c.In, err, d.remaining())
			continue
		}
		if canonical != (c.In == c.Out) {
			t.Errorf("%s: canonical = %v, yjs rewrites it to %s", c.In, canonical, c.Out)
		}
		d = decoder{buf: in}
		v, err := decodeAnyValue(&d, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(appendAnyValue(nil, v)); got != c.Out {
			t.Errorf("%s: got %s, want %s", c.In, got, c.Out)
		}
	}
}

// TestGoldenV8Sort checks the replay of V8's sort against orders Node
// produced with Yjs's (inconsistent) merge comparator.
func TestGoldenV8Sort(t *testing.T) {
	for _, c := range loadGolden(t).Sorts {
		arr := make([]*mergeReader, len(c.Input))
		for i, e := range c.Input {
			r := &mergeReader{seq: i}
			r.cur.ID = ID{Client: e[0], Clock: e[1]}
			if e[2] == 1 {
				r.cur.Kind = KindItem
			}
			arr[i] = r
		}
		v8Sort(arr)
		for i, r := range arr {
			if r.seq != c.Perm[i] {
				t.Errorf("n=%d: position %d holds input %d, V8 put %d there", len(arr), i, r.seq, c.Perm[i])
				break
			}
		}
	}
}

func TestGoldenUpdateMeta(t *testing.T) {
	for _, c := range loadGolden(t).Metas {
		m, err := ParseUpdateMeta(unhex(t, c.Update))
		if err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]map[string]uint64{"from": {c.From}, "to": {c.To}} {
			got := m.From
			if name == "to" {
				got = m.To
			}
			want := pair[0]
			if len(got) != len(want) {
				t.Errorf("%s: got %v, want %v", name, got, want)
			}
			for k, v := range want {
				client, _ := strconv.ParseUint(k, 10, 64)
				if got[client] != v {
					t.Errorf("%s[%d] = %d, want %d", name, client, got[client], v)
				}
			}
		}
	}
}
