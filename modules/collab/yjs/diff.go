package yjs

import (
	"maps"
	"slices"
)

// DiffUpdate returns the part of update that a peer with the given encoded
// state vector is missing, like Yjs's diffUpdate, with DefaultLimits.
func DiffUpdate(update, stateVector []byte) ([]byte, error) {
	return DefaultLimits.DiffUpdate(update, stateVector)
}

// DiffUpdate returns the part of update that a peer with the given encoded
// state vector is missing, byte-identical to Yjs's diffUpdate. Structs the
// peer already has are dropped, the first struct that crosses its clock is
// cut there, and the whole delete set is kept: delete sets are never
// diffed.
func (l Limits) DiffUpdate(update, stateVector []byte) ([]byte, error) {
	l = l.withDefaults()
	if err := l.checkSize(len(update)); err != nil {
		return nil, err
	}
	sv, err := l.DecodeStateVector(stateVector)
	if err != nil {
		return nil, err
	}
	out, err := diffUpdate(update, sv, &l)
	if err != nil {
		return nil, classify(err, update)
	}
	return out, nil
}

func diffUpdate(update []byte, sv map[uint64]uint64, lim *Limits) ([]byte, error) {
	var r structReader
	if err := r.init(update, lim, false); err != nil {
		return nil, err
	}
	var w lazyWriter
	// A peer that knows nothing gets everything; others usually miss
	// little, so their buffer starts small and grows if needed.
	if len(sv) == 0 {
		w.reserve(len(update))
	} else {
		w.reserve(min(len(update), 64<<10))
	}
	defer w.release()
	for r.ok {
		client := r.cur.ID.Client
		known := sv[client]
		if r.cur.Kind == KindSkip {
			// A diff never starts a client with a hole.
			if err := r.next(); err != nil {
				return nil, err
			}
			continue
		}
		if r.cur.End() > known {
			offset := uint64(0)
			if known > r.cur.ID.Clock {
				offset = known - r.cur.ID.Clock
			}
			w.write(&r.cur, offset)
			if err := r.next(); err != nil {
				return nil, err
			}
			for r.ok && r.cur.ID.Client == client {
				w.write(&r.cur, 0)
				if err := r.next(); err != nil {
					return nil, err
				}
			}
		} else {
			for r.ok && r.cur.ID.Client == client && r.cur.End() <= known {
				if err := r.next(); err != nil {
					return nil, err
				}
			}
		}
	}
	dsStart := r.d.pos
	if err := skipDeleteSet(&r.d, lim); err != nil {
		return nil, err
	}
	if r.d.remaining() != 0 {
		return nil, errTrailing
	}
	out := make([]byte, 0, w.size()+len(update)-dsStart)
	out = w.finish(out)
	if raw := update[dsStart:]; deleteSetIsCanonical(raw) {
		// The common case: Yjs wrote this delete set, so writing it back
		// would reproduce the same bytes.
		return append(out, raw...), nil
	}
	d := decoder{buf: update, pos: dsStart}
	ds, err := readDeleteSet(&d, lim)
	if err != nil {
		return nil, err
	}
	return appendDeleteSet(out, ds), nil
}

// deleteSetIsCanonical reports whether rewriting the (already validated)
// delete set in raw would give the same bytes: minimal varUints, no empty
// client entries and clients strictly descending.
func deleteSetIsCanonical(raw []byte) bool {
	d := decoder{buf: raw}
	read := func() (uint64, bool) {
		start := d.pos
		v, err := d.readVarUint()
		return v, err == nil && d.pos-start == varUintLen(v)
	}
	n, ok := read()
	if !ok {
		return false
	}
	var prev uint64
	for i := uint64(0); i < n; i++ {
		client, ok := read()
		if !ok || (i > 0 && client >= prev) {
			return false
		}
		prev = client
		count, ok := read()
		if !ok || count == 0 {
			return false
		}
		for j := uint64(0); j < 2*count; j++ {
			if _, ok := read(); !ok {
				return false
			}
		}
	}
	return d.remaining() == 0
}

// EncodeStateVectorFromUpdate computes the encoded state vector of a
// document that applied update, with DefaultLimits.
func EncodeStateVectorFromUpdate(update []byte) ([]byte, error) {
	return DefaultLimits.EncodeStateVectorFromUpdate(update)
}

// EncodeStateVectorFromUpdate works like Yjs's encodeStateVectorFromUpdate:
// per client group it counts the structs that run contiguously from clock
// 0 and stops at the first Skip. Clients with nothing counted are left out,
// and entries come in the update's group order.
func (l Limits) EncodeStateVectorFromUpdate(update []byte) ([]byte, error) {
	l = l.withDefaults()
	if err := l.checkSize(len(update)); err != nil {
		return nil, err
	}
	out, err := stateVectorFromUpdate(update, &l)
	if err != nil {
		return nil, classify(err, update)
	}
	return out, nil
}

func stateVectorFromUpdate(update []byte, lim *Limits) ([]byte, error) {
	var r structReader
	if err := r.init(update, lim, false); err != nil {
		return nil, err
	}
	var entries []byte
	size := uint64(0)
	if r.ok {
		client := r.cur.ID.Client
		stop := r.cur.ID.Clock != 0
		clock := uint64(0)
		if !stop {
			// Yjs takes the first struct's end before looking at its kind,
			// so a leading Skip at clock 0 still counts.
			clock = r.cur.End()
		}
		for r.ok {
			if client != r.cur.ID.Client {
				if clock != 0 {
					size++
					entries = appendVarUint(appendVarUint(entries, client), clock)
				}
				client = r.cur.ID.Client
				clock = 0
				stop = r.cur.ID.Clock != 0
			}
			if r.cur.Kind == KindSkip {
				stop = true
			}
			if !stop {
				clock = r.cur.End()
			}
			if err := r.next(); err != nil {
				return nil, err
			}
		}
		if clock != 0 {
			size++
			entries = appendVarUint(appendVarUint(entries, client), clock)
		}
	}
	if err := skipDeleteSet(&r.d, lim); err != nil {
		return nil, err
	}
	if r.d.remaining() != 0 {
		return nil, errTrailing
	}
	out := make([]byte, 0, len(entries)+varUintLen(size))
	return append(appendVarUint(out, size), entries...), nil
}

// DecodeStateVector decodes an encoded state vector into client → next
// expected clock, with DefaultLimits.
func DecodeStateVector(sv []byte) (map[uint64]uint64, error) {
	return DefaultLimits.DecodeStateVector(sv)
}

// DecodeStateVector decodes an encoded state vector into client → next
// expected clock. A client listed twice keeps its last clock, as in Yjs.
// Unlike Yjs, trailing bytes are rejected.
func (l Limits) DecodeStateVector(sv []byte) (map[uint64]uint64, error) {
	l = l.withDefaults()
	if err := l.checkSize(len(sv)); err != nil {
		return nil, err
	}
	d := decoder{buf: sv}
	n, err := d.readVarUint()
	if err != nil {
		return nil, err
	}
	if n > uint64(d.remaining())/2 {
		return nil, errTruncated
	}
	if n > uint64(l.MaxClients) {
		return nil, overLimit("%d state vector entries exceed %d", n, l.MaxClients)
	}
	m := make(map[uint64]uint64, min(n, 1024))
	for i := uint64(0); i < n; i++ {
		client, err := d.readVarUint()
		if err != nil {
			return nil, err
		}
		clock, err := d.readVarUint()
		if err != nil {
			return nil, err
		}
		m[client] = clock
	}
	if d.remaining() != 0 {
		return nil, errTrailing
	}
	return m, nil
}

// EncodeStateVector writes a state vector with clients in descending order,
// like Yjs's encodeStateVector.
func EncodeStateVector(sv map[uint64]uint64) []byte {
	clients := slices.Sorted(maps.Keys(sv))
	out := appendVarUint(make([]byte, 0, 1+len(sv)*12), uint64(len(sv)))
	for i := len(clients) - 1; i >= 0; i-- {
		out = appendVarUint(appendVarUint(out, clients[i]), sv[clients[i]])
	}
	return out
}
