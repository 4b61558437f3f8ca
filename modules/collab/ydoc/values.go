package ydoc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Values read from a document follow JavaScript's data model, as yjs hands
// them to its callers:
//
//	null        nil
//	undefined   Undefined
//	boolean     bool
//	number      float64
//	bigint      int64
//	string      string
//	Array       []any
//	Object      map[string]any
//	Uint8Array  []byte
//	shared type *Text, *Map, *Array, *XmlFragment, *XmlElement, *XmlText, *XmlHook
//
// Values given to the write API may also use the other Go integer and float
// types; they are written as JavaScript numbers.

// UndefinedType is the type of Undefined.
type UndefinedType struct{}

// Undefined stands for JavaScript's undefined.
var Undefined = UndefinedType{}

// MarshalJSON writes undefined the way JSON.stringify writes it inside an
// array. Object members holding undefined are dropped by MarshalJS.
func (UndefinedType) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

var errBadValue = errors.New("ydoc: value has no JavaScript counterpart")

// Tags of lib0 Any values.
const (
	anyUndefined = 127
	anyNull      = 126
	anyInteger   = 125
	anyFloat32   = 124
	anyFloat64   = 123
	anyBigInt    = 122
	anyFalse     = 121
	anyTrue      = 120
	anyString    = 119
	anyObject    = 118
	anyArray     = 117
	anyBytes     = 116
)

// valueReader reads lib0 values from bytes the codec already validated.
type valueReader struct {
	b   []byte
	pos int
	err error
}

func (r *valueReader) fail() { r.err = errMalformedValue; r.pos = len(r.b) }

var errMalformedValue = errors.New("ydoc: malformed value")

func (r *valueReader) byte() byte {
	if r.pos >= len(r.b) {
		r.fail()
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *valueReader) varUint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.fail()
	return 0
}

func (r *valueReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)-r.pos) {
		r.fail()
		return nil
	}
	b := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b
}

func (r *valueReader) str() string { return string(r.bytes(r.varUint())) }

// any reads one lib0 Any value into the JavaScript data model.
func (r *valueReader) any(depth int) any {
	if depth > 1000 {
		r.fail()
		return nil
	}
	switch r.byte() {
	case anyUndefined:
		return Undefined
	case anyNull:
		return nil
	case anyInteger:
		c := r.byte()
		mag := uint64(c & 0x3f)
		neg := c&0x40 != 0
		if c&0x80 != 0 {
			for shift := 6; shift < 64; shift += 7 {
				c = r.byte()
				mag |= uint64(c&0x7f) << shift
				if c < 0x80 {
					break
				}
			}
		}
		f := float64(mag)
		if neg {
			f = -f
		}
		return f
	case anyFloat32:
		b := r.bytes(4)
		if b == nil {
			return nil
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case anyFloat64:
		b := r.bytes(8)
		if b == nil {
			return nil
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	case anyBigInt:
		b := r.bytes(8)
		if b == nil {
			return nil
		}
		return int64(binary.BigEndian.Uint64(b))
	case anyFalse:
		return false
	case anyTrue:
		return true
	case anyString:
		return r.str()
	case anyObject:
		n := r.varUint()
		m := make(map[string]any, min(n, 64))
		for i := uint64(0); i < n && r.err == nil; i++ {
			k := r.str()
			v := r.any(depth + 1)
			if k == "__proto__" {
				continue
			}
			m[k] = v
		}
		return m
	case anyArray:
		n := r.varUint()
		a := make([]any, 0, max(1, min(n, 64)))
		for i := uint64(0); i < n && r.err == nil; i++ {
			a = append(a, r.any(depth+1))
		}
		return a
	case anyBytes:
		return slices.Clone(r.bytes(r.varUint()))
	}
	r.fail()
	return nil
}

// skipAny returns the length in bytes of the Any value at the start of b.
func skipAny(b []byte) int {
	r := valueReader{b: b}
	r.any(0)
	if r.err != nil {
		return len(b)
	}
	return r.pos
}

// decodeAny decodes one canonical Any value.
func decodeAny(b []byte) any {
	r := valueReader{b: b}
	return r.any(0)
}

// decodeJSON parses JSON text (as stored in format, embed and JSON content)
// into the JavaScript data model. The literal "undefined" of ContentJSON
// elements becomes Undefined.
func decodeJSON(text []byte) any {
	switch string(text) {
	case "undefined":
		return Undefined
	case "{}": // a mark without attributes: the usual format value
		return map[string]any{}
	case "null":
		return nil
	case "true":
		return true
	case "false":
		return false
	}
	d := json.NewDecoder(strings.NewReader(string(text)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil
	}
	return fromJSON(v)
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case []any:
		out := make([]any, len(x), max(1, len(x)))
		for i, e := range x {
			out[i] = fromJSON(e)
		}
		return out
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
		return x
	}
	return v
}

// jsKeys lists the keys of an object in the order JavaScript enumerates
// own properties: array-index keys ascending, then the others. Go maps keep
// no insertion order, so the others are sorted (by UTF-16 code units).
func jsKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		ai, aok := arrayIndex(a)
		bi, bok := arrayIndex(b)
		switch {
		case aok && bok:
			return cmpU64(ai, bi)
		case aok:
			return -1
		case bok:
			return 1
		}
		return compareUTF16(a, b)
	})
	return keys
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	v, err := strconv.ParseUint(k, 10, 64)
	if err != nil || v >= 1<<32-1 {
		return 0, false
	}
	return v, true
}

// compareUTF16 compares strings the way JavaScript's < does: by UTF-16
// code units.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				return cmpU64(uint64(ua), uint64(ub))
			}
			return cmpU64(uint64(ra), uint64(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmpU64(uint64(len(a)), uint64(len(b)))
}

func firstUnit(r rune) rune {
	if r >= 0x10000 {
		h, _ := utf16.EncodeRune(r)
		return h
	}
	return r
}

// toFloat converts a Go number to a float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	}
	return 0, false
}

// appendAny writes v as lib0's writeAny does.
func appendAny(dst []byte, v any, depth int) ([]byte, error) {
	if depth > 1000 {
		return dst, errBadValue
	}
	if f, ok := toFloat(v); ok {
		return appendAnyNumber(dst, f), nil
	}
	switch x := v.(type) {
	case nil:
		return append(dst, anyNull), nil
	case UndefinedType:
		return append(dst, anyUndefined), nil
	case bool:
		if x {
			return append(dst, anyTrue), nil
		}
		return append(dst, anyFalse), nil
	case int64:
		return binary.BigEndian.AppendUint64(append(dst, anyBigInt), uint64(x)), nil
	case string:
		return appendVarString(append(dst, anyString), x), nil
	case []byte:
		dst = appendVarUint(append(dst, anyBytes), uint64(len(x)))
		return append(dst, x...), nil
	case []any:
		dst = appendVarUint(append(dst, anyArray), uint64(len(x)))
		var err error
		for _, e := range x {
			if dst, err = appendAny(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return dst, nil
	case map[string]any:
		dst = appendVarUint(append(dst, anyObject), uint64(len(x)))
		var err error
		for _, k := range jsKeys(x) {
			dst = appendVarString(dst, k)
			if dst, err = appendAny(dst, x[k], depth+1); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	return dst, errBadValue
}

func appendAnyNumber(dst []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) <= 1<<31-1 && !math.IsInf(f, 0) {
		neg := math.Signbit(f)
		mag := uint64(math.Abs(f))
		dst = append(dst, anyInteger)
		// lib0 writeVarInt: first byte has continuation, sign and 6 bits.
		c := byte(mag & 0x3f)
		if neg {
			c |= 0x40
		}
		mag >>= 6
		if mag > 0 {
			c |= 0x80
		}
		dst = append(dst, c)
		for mag > 0 {
			c = byte(mag & 0x7f)
			mag >>= 7
			if mag > 0 {
				c |= 0x80
			}
			dst = append(dst, c)
		}
		return dst
	}
	if f32 := float32(f); float64(f32) == f || math.IsNaN(f) {
		return binary.BigEndian.AppendUint32(append(dst, anyFloat32), math.Float32bits(f32))
	}
	return binary.BigEndian.AppendUint64(append(dst, anyFloat64), math.Float64bits(f))
}

func appendVarUint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

func appendVarString(dst []byte, s string) []byte {
	return append(appendVarUint(dst, uint64(len(s))), s...)
}

func appendVarBytes(dst, b []byte) []byte {
	return append(appendVarUint(dst, uint64(len(b))), b...)
}

// appendJSON writes v as JSON.stringify does. Inside arrays, undefined
// becomes null; object members holding undefined are left out.
func appendJSON(dst []byte, v any, depth int) ([]byte, error) {
	if depth > 1000 {
		return dst, errBadValue
	}
	if f, ok := toFloat(v); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...), nil
		}
		return appendJSNumber(dst, f), nil
	}
	switch x := v.(type) {
	case nil, UndefinedType:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return appendJSONString(dst, x), nil
	case []byte:
		m := make(map[string]any, len(x))
		for i, c := range x {
			m[strconv.Itoa(i)] = float64(c)
		}
		return appendJSON(dst, m, depth)
	case []any:
		dst = append(dst, '[')
		var err error
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		dst = append(dst, '{')
		first := true
		var err error
		for _, k := range jsKeys(x) {
			if _, ok := x[k].(UndefinedType); ok {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(appendJSONString(dst, k), ':')
			if dst, err = appendJSON(dst, x[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case int64:
		return dst, errBadValue // JSON.stringify throws on bigint
	}
	return dst, errBadValue
}

func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			if c < utf8.RuneSelf {
				dst = append(dst, c)
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			dst = utf8.AppendRune(dst, r)
			i += n
			continue
		}
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
	}
	return append(dst, '"')
}

// appendJSNumber writes f as JavaScript's Number.prototype.toString does.
func appendJSNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) {
		return append(dst, "NaN"...)
	}
	if math.IsInf(f, 1) {
		return append(dst, "Infinity"...)
	}
	if math.IsInf(f, -1) {
		return append(dst, "-Infinity"...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±x
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	n := x + 1 // position of the decimal point after the first n digits
	k := len(digits)
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits...)
		for i := k; i < n; i++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(append(append(dst, digits[:n]...), '.'), digits[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for i := 0; i < -n; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(append(dst, '.'), digits[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// jsString converts a value to a string as JavaScript's String() does.
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case UndefinedType:
		return "undefined"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return string(appendJSNumber(nil, x))
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e == nil || e == any(Undefined) {
				continue
			}
			parts[i] = jsString(e)
		}
		return strings.Join(parts, ",")
	case []byte:
		parts := make([]string, len(x))
		for i, c := range x {
			parts[i] = strconv.Itoa(int(c))
		}
		return strings.Join(parts, ",")
	case interface{ String() string }:
		return x.String()
	}
	if f, ok := toFloat(v); ok {
		return string(appendJSNumber(nil, f))
	}
	return "[object Object]"
}

// identical reports a === b for values of the JavaScript data model:
// primitives by value, objects and arrays by identity.
func identical(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case UndefinedType:
		_, ok := b.(UndefinedType)
		return ok
	case bool, float64, string, int64:
		return a == b
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && cap(x) > 0 && cap(y) > 0 && &x[:1][0] == &y[:1][0]
	case []byte:
		y, ok := b.([]byte)
		return ok && len(x) == len(y) && cap(x) > 0 && cap(y) > 0 && &x[:1][0] == &y[:1][0]
	}
	return a == b
}

// equalAttrs is yjs's equalAttrs: a === b, or both objects with the same
// keys and identical values (lib0 equalFlat).
func equalAttrs(a, b any) bool {
	if identical(a, b) {
		return true
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		if len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			w, ok := bm[k]
			if !ok || !identical(v, w) {
				return false
			}
		}
		return true
	}
	aa, aok := a.([]any)
	ba, bok := b.([]any)
	if aok && bok {
		if len(aa) != len(ba) {
			return false
		}
		for i := range aa {
			if !identical(aa[i], ba[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// MarshalJS encodes a value of the JavaScript data model (as returned by
// ToJSON) the way JSON.stringify does; shared types are written through
// their ToJSON.
func MarshalJS(v any) ([]byte, error) {
	return appendJSON(nil, plain(v), 0)
}

// plain replaces shared types by their JSON form.
func plain(v any) any {
	switch x := v.(type) {
	case interface{ ToJSON() any }:
		return plain(x.ToJSON())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	}
	return v
}
