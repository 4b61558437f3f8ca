package yjs

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestVarUintKnownVectors(t *testing.T) {
	tests := []struct {
		v    uint64
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{1}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{300, []byte{0xac, 0x02}},
		{1<<32 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{maxSafeInteger, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f}},
	}
	for _, tt := range tests {
		got := appendVarUint(nil, tt.v)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("append %d = %x, want %x", tt.v, got, tt.want)
		}
		if varUintLen(tt.v) != len(tt.want) {
			t.Errorf("varUintLen(%d) = %d", tt.v, varUintLen(tt.v))
		}
		// Decode both with and without the 8-byte fast path.
		for _, buf := range [][]byte{tt.want, append(bytes.Clone(tt.want), make([]byte, 8)...)} {
			d := decoder{buf: buf}
			v, err := d.readVarUint()
			if err != nil || v != tt.v || d.pos != len(tt.want) {
				t.Errorf("read %x = %d, %v (pos %d)", buf, v, err, d.pos)
			}
		}
	}
}

func TestVarUintRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, errTruncated},
		{"unterminated", []byte{0x80, 0x80}, errTruncated},
		{"beyond 2^53", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10}, errIntRange},
		{"nine bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, errVarUintTooLong},
	}
	for _, tt := range tests {
		for _, pad := range []int{0, 8} {
			d := decoder{buf: append(bytes.Clone(tt.in), make([]byte, pad)...)}
			if _, err := d.readVarUint(); !errors.Is(err, tt.want) || !errors.Is(err, ErrMalformed) {
				if !(pad > 0 && tt.want == errTruncated) {
					t.Errorf("%s (pad %d): err = %v, want %v", tt.name, pad, err, tt.want)
				}
			}
		}
	}
	// Non-minimal encodings are accepted, as lib0 does.
	d := decoder{buf: []byte{0x80, 0x00}}
	if v, err := d.readVarUint(); v != 0 || err != nil {
		t.Errorf("non-minimal zero: %d, %v", v, err)
	}
}

func TestVarIntSignAndNegativeZero(t *testing.T) {
	tests := []struct {
		mag  uint64
		neg  bool
		want []byte
	}{
		{0, false, []byte{0x00}},
		{0, true, []byte{0x40}}, // negative zero keeps its sign bit
		{1, true, []byte{0x41}},
		{63, false, []byte{0x3f}},
		{64, false, []byte{0x80, 0x01}},
		{8191, true, []byte{0xff, 0x7f}},
		{maxAnyInteger, false, []byte{0xbf, 0xff, 0xff, 0xff, 0x0f}},
	}
	for _, tt := range tests {
		got := appendVarInt(nil, tt.mag, tt.neg)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("append %d/%v = %x, want %x", tt.mag, tt.neg, got, tt.want)
		}
		if varIntLen(tt.mag) != len(tt.want) {
			t.Errorf("varIntLen(%d) = %d", tt.mag, varIntLen(tt.mag))
		}
		d := decoder{buf: tt.want}
		mag, neg, err := d.readVarInt()
		if err != nil || mag != tt.mag || neg != tt.neg {
			t.Errorf("read %x = %d/%v, %v", tt.want, mag, neg, err)
		}
	}
	d := decoder{buf: []byte{0xc0}}
	if _, _, err := d.readVarInt(); !errors.Is(err, errTruncated) {
		t.Errorf("truncated varInt: %v", err)
	}
}

func TestVarStringValidatesUTF8(t *testing.T) {
	good := appendVarBytes(nil, []byte("a😀é\ufeff"))
	d := decoder{buf: good}
	if s, err := d.readVarString(); err != nil || string(s) != "a😀é\ufeff" {
		t.Errorf("read = %q, %v", s, err)
	}
	for _, bad := range [][]byte{
		{0xff},
		{0xed, 0xa0, 0x80}, // an encoded surrogate
		{0xc0, 0x80},       // overlong
		{0xe2, 0x82},       // cut short
	} {
		d := decoder{buf: appendVarBytes(nil, bad)}
		if _, err := d.readVarString(); !errors.Is(err, errInvalidUTF8) {
			t.Errorf("%x: err = %v", bad, err)
		}
	}
	d = decoder{buf: []byte{5, 'a'}}
	if _, err := d.readVarString(); !errors.Is(err, errTruncated) {
		t.Errorf("length beyond input: %v", err)
	}
}

func TestUTF16Len(t *testing.T) {
	for _, s := range []string{"", "abc", "é", "€", "😀", "a😀b🎉", "ascii only, more than eight bytes", "mixed ascii é then 😀 and more ascii text"} {
		want := 0
		for _, r := range s {
			want++
			if r >= 0x10000 {
				want++
			}
		}
		if got := utf16Len([]byte(s)); got != uint64(want) {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestSplitUTF16(t *testing.T) {
	s := []byte("a😀b")
	tests := []struct {
		k     uint64
		at    int
		split bool
	}{
		{0, 0, false}, {1, 1, false}, {2, 5, true}, {3, 5, false}, {4, 6, false},
	}
	for _, tt := range tests {
		at, split := splitUTF16(s, tt.k)
		if at != tt.at || split != tt.split {
			t.Errorf("split at %d = %d/%v, want %d/%v", tt.k, at, split, tt.at, tt.split)
		}
	}
}

func TestAnyNumberTag(t *testing.T) {
	tests := []struct {
		f    float64
		want byte
	}{
		{0, anyInteger},
		{math.Copysign(0, -1), anyInteger},
		{maxAnyInteger, anyInteger},
		{-maxAnyInteger, anyInteger},
		{1 << 31, anyFloat32},
		{1.5, anyFloat32},
		{0.1, anyFloat64},
		{math.Inf(1), anyFloat32},
		{math.NaN(), anyFloat64},
	}
	for _, tt := range tests {
		if got := anyNumberTag(tt.f); got != tt.want {
			t.Errorf("anyNumberTag(%v) = %d, want %d", tt.f, got, tt.want)
		}
	}
}

func TestJSNumberFormat(t *testing.T) {
	tests := map[float64]string{
		1: "1", -1: "-1", 0.5: "0.5", 1e21: "1e+21", 1e20: "100000000000000000000",
		1e-6: "0.000001", 1e-7: "1e-7", 123.456: "123.456", -2.5e-8: "-2.5e-8",
		math.MaxFloat64: "1.7976931348623157e+308", 5e-324: "5e-324",
	}
	for f, want := range tests {
		if got := string(appendJSNumber(nil, f)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

func TestCanonJSONRejects(t *testing.T) {
	for _, bad := range []string{"", "{", "[1,]", "01", "1.", "-", "tru", `"\x"`, `"a`, "{\"a\" 1}", "1 2", "\"\x01\"", "[1]]"} {
		if _, err := canonJSON(nil, []byte(bad), 10); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	if _, err := canonJSON(nil, bytes.Repeat([]byte("["), 20), 10); !errors.Is(err, ErrLimit) {
		t.Errorf("deep JSON: %v", err)
	}
}

func TestAnyRejects(t *testing.T) {
	for _, bad := range [][]byte{
		{},
		{115},                        // unknown tag
		{128},                        // unknown tag
		{anyFloat64, 1, 2},           // short float
		{anyString, 3, 'a'},          // short string
		{anyString, 1, 0xff},         // invalid UTF-8
		{anyArray, 5, anyNull},       // missing elements
		{anyObject, 1, 1, 'k'},       // missing value
		{anyObject, 0x80, 0x80, 1},   // count beyond input
		{anyBytes, 0xff, 0xff, 0x7f}, // length beyond input
	} {
		d := decoder{buf: bad}
		if _, err := scanAny(&d, 10); err == nil {
			t.Errorf("%x: accepted", bad)
		}
		d = decoder{buf: bad}
		if _, err := decodeAnyValue(&d, 0, 10); err == nil {
			t.Errorf("%x: decoded", bad)
		}
	}
	deep := append(bytes.Repeat([]byte{anyArray, 1}, 50), anyNull)
	d := decoder{buf: deep}
	if _, err := scanAny(&d, 10); !errors.Is(err, ErrLimit) {
		t.Errorf("deep Any: %v", err)
	}
}

// TestVarUintFastPathMatchesSlowPath compares the eight-byte fast path with
// byte-by-byte decoding on random inputs with every terminator position.
func TestVarUintFastPathMatchesSlowPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		buf := make([]byte, 9)
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		stop := rng.IntN(10)
		for j := 0; j < stop && j < len(buf); j++ {
			buf[j] |= 0x80
		}
		if stop < len(buf) {
			buf[stop] &= 0x7f
		}
		fast := decoder{buf: buf}
		v1, err1 := fast.readVarUint()
		// A decoder whose buffer is cut to the varUint takes the slow path.
		n := min(stop+1, maxVarUintBytes-1)
		slow := decoder{buf: buf[:n]}
		v2, err2 := slow.readVarUint()
		if stop+1 <= maxVarUintBytes-1 {
			if v1 != v2 || (err1 == nil) != (err2 == nil) || fast.pos != slow.pos {
				t.Fatalf("%x: fast %d/%v/%d, slow %d/%v/%d", buf, v1, err1, fast.pos, v2, err2, slow.pos)
			}
		} else if stop >= maxVarUintBytes && err1 == nil {
			t.Fatalf("%x: %d-byte varUint accepted", buf, stop+1)
		}
	}
}

// TestAnyEveryTagRoundTrips writes one canonical value per Any tag and
// checks that it scans as canonical and re-encodes to the same bytes.
func TestAnyEveryTagRoundTrips(t *testing.T) {
	values := map[string][]byte{
		"undefined": {anyUndefined},
		"null":      {anyNull},
		"integer":   append([]byte{anyInteger}, appendVarInt(nil, 1234567, true)...),
		"neg zero":  {anyInteger, 0x40},
		"float32":   appendFloat32([]byte{anyFloat32}, 1.25),
		"float64":   appendFloat64([]byte{anyFloat64}, 0.1),
		"bigint":    {anyBigInt, 0x80, 0, 0, 0, 0, 0, 0, 1},
		"false":     {anyFalse},
		"true":      {anyTrue},
		"string":    appendVarBytes([]byte{anyString}, []byte("ü😀")),
		"object":    {anyObject, 2, 1, '0', anyNull, 1, 'k', anyArray, 1, anyTrue},
		"array":     {anyArray, 2, anyFalse, anyBytes, 2, 9, 9},
		"bytes":     {anyBytes, 3, 1, 2, 3},
	}
	for name, b := range values {
		d := decoder{buf: b}
		canonical, err := scanAny(&d, 8)
		if err != nil || !canonical || d.remaining() != 0 {
			t.Errorf("%s %x: canonical=%v err=%v left=%d", name, b, canonical, err, d.remaining())
			continue
		}
		d = decoder{buf: b}
		v, err := decodeAnyValue(&d, 0, 8)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := appendAnyValue(nil, v); !bytes.Equal(got, b) {
			t.Errorf("%s: re-encoded %x, want %x", name, got, b)
		}
	}
}
