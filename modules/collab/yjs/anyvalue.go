package yjs

import (
	"encoding/binary"
	"math"
	"sort"
)

// anyValue is a decoded lib0 Any value with JavaScript semantics. It is only
// built on the slow path, when bytes are not canonical and must be rewritten
// exactly as lib0 would after a readAny/writeAny round trip.
type anyValue struct {
	// tag is one of anyUndefined, anyNull, anyFalse, anyTrue, anyFloat64
	// (standing for any JavaScript number), anyBigInt, anyString, anyObject,
	// anyArray or anyBytes.
	tag   byte
	num   float64
	raw   []byte // bigint bytes, string UTF-8 or byte array
	keys  [][]byte
	elems []anyValue
}

// decodeAnyValue reads one Any value. Objects are built like lib0's readAny
// builds them: by assignment, so a repeated key keeps its first position and
// its last value, and "__proto__" never becomes an own property.
func decodeAnyValue(d *decoder, depth, maxDepth int) (anyValue, error) {
	tag, err := d.readUint8()
	if err != nil {
		return anyValue{}, err
	}
	switch tag {
	case anyUndefined, anyNull, anyFalse, anyTrue:
		return anyValue{tag: tag}, nil
	case anyInteger:
		mag, neg, err := d.readVarInt()
		if err != nil {
			return anyValue{}, err
		}
		f := float64(mag)
		if neg {
			f = -f
		}
		return anyValue{tag: anyFloat64, num: f}, nil
	case anyFloat32:
		b, err := d.readBytes(4)
		if err != nil {
			return anyValue{}, err
		}
		return anyValue{tag: anyFloat64, num: float64(math.Float32frombits(binary.BigEndian.Uint32(b)))}, nil
	case anyFloat64:
		b, err := d.readBytes(8)
		if err != nil {
			return anyValue{}, err
		}
		return anyValue{tag: anyFloat64, num: math.Float64frombits(binary.BigEndian.Uint64(b))}, nil
	case anyBigInt:
		b, err := d.readBytes(8)
		return anyValue{tag: anyBigInt, raw: b}, err
	case anyString:
		b, err := d.readVarString()
		return anyValue{tag: anyString, raw: b}, err
	case anyBytes:
		b, err := d.readVarUint8Array()
		return anyValue{tag: anyBytes, raw: b}, err
	case anyArray:
		if depth >= maxDepth {
			return anyValue{}, errDepth
		}
		n, err := d.readVarUint()
		if err != nil {
			return anyValue{}, err
		}
		if n > uint64(d.remaining()) {
			return anyValue{}, errTruncated
		}
		v := anyValue{tag: anyArray, elems: make([]anyValue, 0, min(n, 64))}
		for i := uint64(0); i < n; i++ {
			e, err := decodeAnyValue(d, depth+1, maxDepth)
			if err != nil {
				return anyValue{}, err
			}
			v.elems = append(v.elems, e)
		}
		return v, nil
	case anyObject:
		if depth >= maxDepth {
			return anyValue{}, errDepth
		}
		n, err := d.readVarUint()
		if err != nil {
			return anyValue{}, err
		}
		if n > uint64(d.remaining())/2 {
			return anyValue{}, errTruncated
		}
		v := anyValue{tag: anyObject}
		var index map[string]int
		if n > 32 {
			index = make(map[string]int)
		}
		for i := uint64(0); i < n; i++ {
			key, err := d.readVarString()
			if err != nil {
				return anyValue{}, err
			}
			e, err := decodeAnyValue(d, depth+1, maxDepth)
			if err != nil {
				return anyValue{}, err
			}
			if string(key) != "__proto__" {
				v.set(key, e, index)
			}
		}
		v.orderKeys()
		return v, nil
	}
	return anyValue{}, malformed("unknown Any tag %d", tag)
}

// set assigns a property like JavaScript does: an existing key keeps its
// place and takes the new value.
// index, when not nil, maps keys to positions so that large objects stay
// linear.
func (v *anyValue) set(key []byte, e anyValue, index map[string]int) {
	if index != nil {
		if i, ok := index[string(key)]; ok {
			v.elems[i] = e
			return
		}
		index[string(key)] = len(v.keys)
	} else {
		for i, k := range v.keys {
			if string(k) == string(key) {
				v.elems[i] = e
				return
			}
		}
	}
	v.keys = append(v.keys, key)
	v.elems = append(v.elems, e)
}

// get returns the value of an own property.
func (v *anyValue) get(key string) (anyValue, bool) {
	for i, k := range v.keys {
		if string(k) == key {
			return v.elems[i], true
		}
	}
	return anyValue{}, false
}

// orderKeys applies JavaScript's own-property order: array-index keys in
// ascending numeric order, then the other keys in insertion order.
func (v *anyValue) orderKeys() {
	idx := make([]int, len(v.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ia, oka := arrayIndex(v.keys[idx[a]])
		ib, okb := arrayIndex(v.keys[idx[b]])
		switch {
		case oka && okb:
			return ia < ib
		case oka:
			return true
		}
		return false
	})
	keys := make([][]byte, len(idx))
	elems := make([]anyValue, len(idx))
	for i, j := range idx {
		keys[i], elems[i] = v.keys[j], v.elems[j]
	}
	v.keys, v.elems = keys, elems
}

// truthy is JavaScript truthiness, used for sub-document options.
func (v anyValue) truthy() bool {
	switch v.tag {
	case anyUndefined, anyNull, anyFalse:
		return false
	case anyFloat64:
		return v.num != 0 && !math.IsNaN(v.num)
	case anyBigInt:
		for _, b := range v.raw {
			if b != 0 {
				return true
			}
		}
		return false
	case anyString:
		return len(v.raw) > 0
	}
	return true
}

// appendAnyValue writes v exactly as lib0's writeAny would.
func appendAnyValue(dst []byte, v anyValue) []byte {
	switch v.tag {
	case anyFloat64:
		return appendAnyNumber(dst, v.num)
	case anyBigInt:
		return append(append(dst, anyBigInt), v.raw...)
	case anyString, anyBytes:
		return appendVarBytes(append(dst, v.tag), v.raw)
	case anyArray:
		dst = appendVarUint(append(dst, anyArray), uint64(len(v.elems)))
		for _, e := range v.elems {
			dst = appendAnyValue(dst, e)
		}
		return dst
	case anyObject:
		dst = appendVarUint(append(dst, anyObject), uint64(len(v.keys)))
		for i, k := range v.keys {
			dst = appendVarBytes(dst, k)
			dst = appendAnyValue(dst, v.elems[i])
		}
		return dst
	}
	return append(dst, v.tag)
}
