package yjs

import (
	"errors"
	"slices"
)

// Update is a fully decoded V1 update.
type Update struct {
	// Structs in wire order: client groups as written, each ascending by
	// clock. Skips are included.
	Structs   []Struct
	DeleteSet DeleteSet
}

// DecodeUpdate decodes a V1 update with DefaultLimits.
func DecodeUpdate(update []byte) (*Update, error) {
	return DefaultLimits.DecodeUpdate(update)
}

// DecodeUpdate decodes and validates a V1 update. The returned structs
// reference update's memory. Unlike the streaming functions (MergeUpdates,
// DiffUpdate, EncodeStateVectorFromUpdate), it materializes every struct,
// about 200 bytes each, so callers decoding untrusted input should set a
// MaxStructs that fits their memory budget.
func (l Limits) DecodeUpdate(update []byte) (*Update, error) {
	l = l.withDefaults()
	if err := l.checkSize(len(update)); err != nil {
		return nil, err
	}
	u := &Update{}
	var r structReader
	err := r.init(update, &l, false)
	for err == nil && r.ok {
		if len(u.Structs) == cap(u.Structs) {
			// Room for the rest of the client's group at once, up to 64k
			// structs (13 MB) at a time, so that a count an update only
			// claims cannot reserve much memory; the bytes left (a struct
			// takes two at least) and the limit bound it too.
			more := min(r.structsLeft, uint64(r.d.remaining()/2), uint64(max(0, l.MaxStructs-len(u.Structs))), 1<<16)
			u.Structs = slices.Grow(u.Structs, int(more)+1)
		}
		u.Structs = append(u.Structs, r.cur)
		err = r.next()
	}
	if err == nil {
		u.DeleteSet, err = readDeleteSet(&r.d, &l)
	}
	if err == nil && r.d.remaining() != 0 {
		err = errTrailing
	}
	if err != nil {
		return nil, classify(err, update)
	}
	return u, nil
}

// validateUpdate checks a whole V1 update without keeping anything.
func validateUpdate(update []byte, lim *Limits) error {
	var r structReader
	err := r.init(update, lim, false)
	for err == nil && r.ok {
		err = r.next()
	}
	if err == nil {
		err = skipDeleteSet(&r.d, lim)
	}
	if err == nil && r.d.remaining() != 0 {
		err = errTrailing
	}
	if err != nil {
		return classify(err, update)
	}
	return nil
}

// Encode writes the update in V1 format. Structs are written in the order
// held, grouped by consecutive client, like Yjs's lazy writer does.
func (u *Update) Encode() []byte {
	var w lazyWriter
	for i := range u.Structs {
		w.write(&u.Structs[i], 0)
	}
	out := make([]byte, 0, w.size()+deleteSetSize(u.DeleteSet))
	return appendDeleteSet(w.finish(out), u.DeleteSet)
}

// classify turns a format error on an input that has the shape of a V2
// update into ErrUpdateV2, so callers can tell a client speaking the wrong
// format from a corrupt message.
func classify(err error, inputs ...[]byte) error {
	if !errors.Is(err, ErrMalformed) {
		return err
	}
	for _, in := range inputs {
		if looksLikeV2(in) {
			return ErrUpdateV2
		}
	}
	return err
}

// looksLikeV2 reports whether b starts like a V2 update: a zero feature
// flag followed by nine length-prefixed column buffers that fit the input.
// It is only consulted after V1 decoding failed; an empty V2 update, for
// instance, fails V1 decoding through its trailing bytes.
func looksLikeV2(b []byte) bool {
	d := decoder{buf: b}
	flag, err := d.readVarUint()
	if err != nil || flag != 0 {
		return false
	}
	for i := 0; i < 9; i++ {
		if _, err := d.readVarUint8Array(); err != nil {
			return false
		}
	}
	return d.remaining() >= 2
}
