package yjs

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf8"
)

// maxSafeInteger is the largest integer a JavaScript number holds exactly.
// Yjs and lib0 keep every clock, client and length in a number, so anything
// larger cannot come from a well-behaved peer.
const maxSafeInteger = 1<<53 - 1

// maxVarUintBytes bounds a varUint: eight 7-bit groups already exceed 53 bits.
const maxVarUintBytes = 8

// decoder reads lib0 primitives from an in-memory buffer. Every read checks the
// remaining length first, so hostile input can only produce an error.
type decoder struct {
	buf []byte
	pos int
}

func (d *decoder) remaining() int { return len(d.buf) - d.pos }

func (d *decoder) readUint8() (byte, error) {
	if d.pos >= len(d.buf) {
		return 0, errTruncated
	}
	b := d.buf[d.pos]
	d.pos++
	return b, nil
}

// readVarUint reads lib0's little-endian base-128 unsigned integer. Non-minimal
// encodings are accepted like lib0 does; values beyond 2^53-1 are rejected.
func (d *decoder) readVarUint() (uint64, error) {
	if d.pos+maxVarUintBytes <= len(d.buf) {
		// Fast path: decode from eight bytes at once.
		x := binary.LittleEndian.Uint64(d.buf[d.pos:])
		if x&0x80 == 0 {
			d.pos++
			return x & 0x7f, nil
		}
		v, n, ok := gatherVarUint(x)
		if ok {
			d.pos += n
			return v, nil
		}
	}
	return d.readVarUintSlow()
}

// readVarUintSlow decodes byte by byte near the end of the input, and
// reports the errors the fast path leaves to it.
func (d *decoder) readVarUintSlow() (uint64, error) {
	var v uint64
	var shift uint
	for i := 0; i < maxVarUintBytes; i++ {
		if d.pos >= len(d.buf) {
			return 0, errTruncated
		}
		b := d.buf[d.pos]
		d.pos++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			if v > maxSafeInteger {
				return 0, errIntRange
			}
			return v, nil
		}
		shift += 7
	}
	return 0, errVarUintTooLong
}

// gatherVarUint decodes a varUint from the eight bytes x (little endian).
// ok is false when the value needs more than eight bytes or exceeds 2^53-1;
// callers then take the careful path, which reports the error.
func gatherVarUint(x uint64) (v uint64, n int, ok bool) {
	stop := ^x & 0x8080808080808080
	end := bits.TrailingZeros64(stop) + 1 // bits up to the terminator
	x &= 1<<end - 1                       // (a shift by 64 or more gives 0)
	// Squeeze out the continuation bits: 7-bit groups into 14-bit, 28-bit
	// and finally 56-bit lanes.
	x = x&0x007f007f007f007f | x&0x7f007f007f007f00>>1
	x = x&0x00003fff00003fff | x&0x3fff00003fff0000>>2
	x = x&0x000000000fffffff | x&0x0fffffff00000000>>4
	return x, end / 8, stop != 0 && x <= maxSafeInteger
}

// readVarInt reads lib0's signed varInt. The first byte carries a continuation
// bit, a sign bit and six payload bits. neg is reported separately so that
// negative zero survives.
func (d *decoder) readVarInt() (mag uint64, neg bool, err error) {
	b, err := d.readUint8()
	if err != nil {
		return 0, false, err
	}
	mag = uint64(b & 0x3f)
	neg = b&0x40 != 0
	if b < 0x80 {
		return mag, neg, nil
	}
	shift := uint(6)
	for i := 1; i < maxVarUintBytes; i++ {
		b, err = d.readUint8()
		if err != nil {
			return 0, false, err
		}
		mag |= uint64(b&0x7f) << shift
		if b < 0x80 {
			if mag > maxSafeInteger {
				return 0, false, errIntRange
			}
			return mag, neg, nil
		}
		shift += 7
	}
	return 0, false, errVarUintTooLong
}

// readBytes returns the next n bytes without copying.
func (d *decoder) readBytes(n uint64) ([]byte, error) {
	if n > uint64(d.remaining()) {
		return nil, errTruncated
	}
	b := d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

// readVarUint8Array reads a length-prefixed byte array without copying.
func (d *decoder) readVarUint8Array() ([]byte, error) {
	n, err := d.readVarUint()
	if err != nil {
		return nil, err
	}
	return d.readBytes(n)
}

// readVarString reads a length-prefixed UTF-8 string without copying. lib0
// decodes with a fatal TextDecoder, so invalid UTF-8 is an error there too.
func (d *decoder) readVarString() ([]byte, error) {
	b, err := d.readVarUint8Array()
	if err != nil {
		return nil, err
	}
	if !validUTF8(b) {
		return nil, errInvalidUTF8
	}
	return b, nil
}

// validUTF8 has an ASCII fast path because most text in documents is ASCII.
func validUTF8(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			return utf8.Valid(b[i:])
		}
	}
	return true
}

// utf16Len is the JavaScript .length of valid UTF-8 text: one unit per code
// point, two for code points above the Basic Multilingual Plane.
func utf16Len(b []byte) uint64 {
	n := 0
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
			n += 8
			continue
		}
		for _, c := range b[i : i+8] {
			n += utf16Weight[c]
		}
	}
	for _, c := range b[i:] {
		n += utf16Weight[c]
	}
	return uint64(n)
}

// utf16Weight counts, per UTF-8 byte, the UTF-16 units it contributes:
// continuation bytes add nothing, lead bytes of 4-byte sequences add two.
var utf16Weight = func() (t [256]int) {
	for c := 0; c < 256; c++ {
		switch {
		case c < 0x80:
			t[c] = 1
		case c < 0xc0:
			t[c] = 0
		case c < 0xf0:
			t[c] = 1
		default:
			t[c] = 2
		}
	}
	return t
}()

// appendVarUint appends lib0's varUint encoding.
func appendVarUint(dst []byte, v uint64) []byte {
	for v > 0x7f {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// varUintLen is the encoded size of v.
func varUintLen(v uint64) int {
	n := 1
	for v > 0x7f {
		v >>= 7
		n++
	}
	return n
}

// appendVarInt appends lib0's signed varInt of a magnitude and sign, so that
// negative zero can be written.
func appendVarInt(dst []byte, mag uint64, neg bool) []byte {
	b := byte(mag & 0x3f)
	if neg {
		b |= 0x40
	}
	if mag > 0x3f {
		b |= 0x80
	}
	dst = append(dst, b)
	mag >>= 6
	for mag > 0 {
		b = byte(mag & 0x7f)
		if mag > 0x7f {
			b |= 0x80
		}
		dst = append(dst, b)
		mag >>= 7
	}
	return dst
}

// appendVarBytes appends a length-prefixed byte array (varUint8Array, and
// varString for text that is already UTF-8).
func appendVarBytes(dst, b []byte) []byte {
	dst = appendVarUint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendFloat32(dst []byte, f float32) []byte {
	return binary.BigEndian.AppendUint32(dst, math.Float32bits(f))
}

func appendFloat64(dst []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
}
