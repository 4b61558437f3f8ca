package yjs

import (
	"bytes"
	"encoding/binary"
	"math"
)

// lib0 Any tags. A value is one tag byte followed by its payload.
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

// maxAnyInteger is the largest magnitude lib0 writes with the varInt tag;
// larger integers become floats.
const maxAnyInteger = 1<<31 - 1

// anyScanner walks lib0 Any values. It validates them and reports whether
// their bytes are exactly what lib0's writeAny would produce for the value
// lib0's readAny returns. Yjs re-encodes every Any it copies, so a value that
// is not in that canonical form must be rewritten to stay byte-identical.
type anyScanner struct {
	d        decoder
	maxDepth int
	// canonical turns false at the first deviation from canonical form.
	canonical bool
}

// readVarUint reads a varUint and clears canonical if it was not minimal.
func (s *anyScanner) readVarUint() (uint64, error) {
	start := s.d.pos
	v, err := s.d.readVarUint()
	if err != nil {
		return 0, err
	}
	if s.d.pos-start != varUintLen(v) {
		s.canonical = false
	}
	return v, nil
}

func (s *anyScanner) readString() ([]byte, error) {
	n, err := s.readVarUint()
	if err != nil {
		return nil, err
	}
	b, err := s.d.readBytes(n)
	if err != nil {
		return nil, err
	}
	if !validUTF8(b) {
		return nil, errInvalidUTF8
	}
	return b, nil
}

// scan validates one Any value starting at the current position.
func (s *anyScanner) scan(depth int) error {
	tag, err := s.d.readUint8()
	if err != nil {
		return err
	}
	switch tag {
	case anyUndefined, anyNull, anyFalse, anyTrue:
		return nil
	case anyInteger:
		start := s.d.pos
		mag, neg, err := s.d.readVarInt()
		if err != nil {
			return err
		}
		if mag > maxAnyInteger || s.d.pos-start != varIntLen(mag) {
			s.canonical = false
		}
		_ = neg
		return nil
	case anyFloat32:
		b, err := s.d.readBytes(4)
		if err != nil {
			return err
		}
		f := float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		if anyNumberTag(f) != anyFloat32 {
			s.canonical = false
		}
		return nil
	case anyFloat64:
		b, err := s.d.readBytes(8)
		if err != nil {
			return err
		}
		if anyNumberTag(math.Float64frombits(binary.BigEndian.Uint64(b))) != anyFloat64 {
			s.canonical = false
		}
		return nil
	case anyBigInt:
		_, err := s.d.readBytes(8)
		return err
	case anyString:
		_, err := s.readString()
		return err
	case anyBytes:
		n, err := s.readVarUint()
		if err != nil {
			return err
		}
		_, err = s.d.readBytes(n)
		return err
	case anyArray:
		if depth >= s.maxDepth {
			return errDepth
		}
		n, err := s.readVarUint()
		if err != nil {
			return err
		}
		// Each element takes at least one byte.
		if n > uint64(s.d.remaining()) {
			return errTruncated
		}
		for i := uint64(0); i < n; i++ {
			if err := s.scan(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case anyObject:
		if depth >= s.maxDepth {
			return errDepth
		}
		n, err := s.readVarUint()
		if err != nil {
			return err
		}
		// Each entry takes at least two bytes (empty key, then a tag).
		if n > uint64(s.d.remaining())/2 {
			return errTruncated
		}
		return s.scanObject(n, depth)
	}
	return malformed("unknown Any tag %d", tag)
}

// scanObject validates the entries of an object. JavaScript objects put
// array-index keys first in ascending order, keep one entry per key and drop
// "__proto__" (assigning it changes the prototype instead), so an object
// that breaks any of those rules is not canonical.
func (s *anyScanner) scanObject(n uint64, depth int) error {
	var keys [][]byte
	if n <= 16 {
		var small [16][]byte
		keys = small[:0]
	}
	var seen map[string]struct{}
	lastIndex := int64(-1)
	sawName := false
	for i := uint64(0); i < n; i++ {
		key, err := s.readString()
		if err != nil {
			return err
		}
		if s.canonical {
			if string(key) == "__proto__" {
				s.canonical = false
			} else if idx, ok := arrayIndex(key); ok {
				if sawName || idx <= lastIndex {
					s.canonical = false
				}
				lastIndex = idx
			} else {
				sawName = true
			}
			if s.canonical {
				if n <= 16 {
					for _, k := range keys {
						if bytes.Equal(k, key) {
							s.canonical = false
						}
					}
					keys = append(keys, key)
				} else {
					if seen == nil {
						seen = make(map[string]struct{}, min(n, 1024))
					}
					if _, dup := seen[string(key)]; dup {
						s.canonical = false
					}
					seen[string(key)] = struct{}{}
				}
			}
		}
		if err := s.scan(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// arrayIndex reports whether key is a JavaScript array index (a canonical
// decimal integer below 2^32-1); such keys are ordered numerically first.
func arrayIndex(key []byte) (int64, bool) {
	if len(key) == 0 || len(key) > 10 || (key[0] == '0' && len(key) > 1) {
		return 0, false
	}
	var v int64
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if v > 1<<32-2 {
		return 0, false
	}
	return v, true
}

// varIntLen is the minimal encoded size of a varInt magnitude.
func varIntLen(mag uint64) int {
	n := 1
	mag >>= 6
	for mag > 0 {
		mag >>= 7
		n++
	}
	return n
}

// anyNumberTag is the tag lib0's writeAny picks for a JavaScript number:
// small integers as varInt, values exact in float32 as float32, the rest
// as float64.
func anyNumberTag(f float64) byte {
	if f == math.Trunc(f) && math.Abs(f) <= maxAnyInteger {
		return anyInteger
	}
	if float64(float32(f)) == f {
		return anyFloat32
	}
	return anyFloat64
}

// appendAnyNumber writes a JavaScript number the way lib0's writeAny does.
func appendAnyNumber(dst []byte, f float64) []byte {
	switch anyNumberTag(f) {
	case anyInteger:
		dst = append(dst, anyInteger)
		return appendVarInt(dst, uint64(math.Abs(f)), math.Signbit(f))
	case anyFloat32:
		dst = append(dst, anyFloat32)
		return appendFloat32(dst, float32(f))
	}
	dst = append(dst, anyFloat64)
	return appendFloat64(dst, f)
}

// scanAny validates one Any value at d's position and advances past it.
// canonical reports whether its bytes can be copied verbatim.
func scanAny(d *decoder, maxDepth int) (canonical bool, err error) {
	s := anyScanner{d: *d, maxDepth: maxDepth, canonical: true}
	if err := s.scan(0); err != nil {
		return false, err
	}
	d.pos = s.d.pos
	return s.canonical, nil
}
