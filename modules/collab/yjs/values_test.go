package yjs

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// TestGoldenRandomValues replays random JSON texts and Any encodings whose
// canonical forms Node computed (testdata/golden/gen_values.mjs): odd
// whitespace, number spellings, escapes, repeated and numeric keys,
// "__proto__", and Any numbers in every width.
func TestGoldenRandomValues(t *testing.T) {
	b, err := os.ReadFile("testdata/golden/values.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		JSON []struct {
			T string
			C *string
		}
		Any []struct {
			H string
			C *string
		}
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.JSON {
		got, err := canonJSON(nil, []byte(c.T), 100)
		switch {
		case c.C == nil && err == nil:
			t.Errorf("%q: JSON.parse rejects it, accepted as %q", c.T, got)
		case c.C != nil && err != nil:
			t.Errorf("%q: %v", c.T, err)
		case c.C != nil && string(got) != *c.C:
			t.Errorf("%q:\n got %q\nwant %q", c.T, got, *c.C)
		}
	}
	for _, c := range g.Any {
		in := unhex(t, c.H)
		d := decoder{buf: in}
		v, err := decodeAnyValue(&d, 0, 100)
		if (err == nil) != (c.C != nil) {
			t.Errorf("%s: err %v, lib0 result %v", c.H, err, c.C)
			continue
		}
		if err != nil {
			continue
		}
		if got := hex.EncodeToString(appendAnyValue(nil, v)); got != *c.C {
			t.Errorf("%s:\n got %s\nwant %s", c.H, got, *c.C)
		}
		d = decoder{buf: in}
		if canonical, err := scanAny(&d, 100); err != nil || canonical != (c.H == *c.C) {
			t.Errorf("%s: canonical = %v (%v), lib0 rewrites it to %s", c.H, canonical, err, *c.C)
		}
	}
}
