package yjs

import "sync"

// replacementChar is U+FFFD in UTF-8. Yjs puts it in place of a surrogate
// half when a slice splits a surrogate pair, and TextEncoder writes it for
// a lone surrogate, so both paths produce these bytes.
var replacementChar = []byte{0xef, 0xbf, 0xbd}

// appendStruct writes s like Yjs's write(encoder, offset): with offset > 0
// only the part from clock+offset on is written, and an Item then gets the
// unit before it as its origin (so its parent is no longer written).
func appendStruct(dst []byte, s *Struct, offset uint64) []byte {
	switch s.Kind {
	case KindGC:
		return appendVarUint(append(dst, refGC), s.Length-offset)
	case KindSkip:
		return appendVarUint(append(dst, refSkip), s.Length-offset)
	}
	hasOrigin, origin := s.HasOrigin, s.Origin
	if offset > 0 {
		hasOrigin, origin = true, ID{s.ID.Client, s.ID.Clock + offset - 1}
	}
	info := byte(s.Content.Ref) & 0x1f
	if hasOrigin {
		info |= 0x80
	}
	if s.HasRightOrigin {
		info |= 0x40
	}
	if s.HasParentSub {
		// Yjs sets this bit whenever the item has a key, even when the key
		// itself is not written because origins are present.
		info |= 0x20
	}
	dst = append(dst, info)
	if hasOrigin {
		dst = appendVarUint(appendVarUint(dst, origin.Client), origin.Clock)
	}
	if s.HasRightOrigin {
		dst = appendVarUint(appendVarUint(dst, s.RightOrigin.Client), s.RightOrigin.Clock)
	}
	if !hasOrigin && !s.HasRightOrigin {
		switch s.Parent {
		case ParentRoot:
			dst = appendVarBytes(append(dst, 1), s.ParentName)
		default:
			dst = appendVarUint(appendVarUint(append(dst, 0), s.ParentID.Client), s.ParentID.Clock)
		}
		if s.HasParentSub {
			dst = appendVarBytes(dst, s.ParentSub)
		}
	}
	return appendContent(dst, s, offset)
}

// appendContent writes an Item's content from element offset on. Content of
// length one ignores offset, as in Yjs.
func appendContent(dst []byte, s *Struct, offset uint64) []byte {
	c := &s.Content
	switch c.Ref {
	case RefDeleted:
		return appendVarUint(dst, s.Length-offset)
	case RefJSON:
		dst = appendVarUint(dst, s.Length-offset)
		return append(dst, skipVarStrings(c.Data, offset)...)
	case RefAny:
		dst = appendVarUint(dst, s.Length-offset)
		return append(dst, skipAnys(c.Data, offset)...)
	case RefString:
		if offset == 0 {
			return appendVarBytes(dst, c.Data)
		}
		at, split := splitUTF16(c.Data, offset)
		if !split {
			return appendVarBytes(dst, c.Data[at:])
		}
		// str.slice(offset) starts with a lone low surrogate, which
		// TextEncoder writes as U+FFFD.
		dst = appendVarUint(dst, uint64(len(replacementChar)+len(c.Data)-at))
		return append(append(dst, replacementChar...), c.Data[at:]...)
	case RefBinary, RefEmbed:
		return appendVarBytes(dst, c.Data)
	case RefFormat:
		return appendVarBytes(appendVarBytes(dst, c.Key), c.Data)
	case RefType:
		dst = appendVarUint(dst, uint64(c.TypeRef))
		if c.TypeRef == TypeXMLElement || c.TypeRef == TypeXMLHook {
			dst = appendVarBytes(dst, c.Key)
		}
		return dst
	case RefDoc:
		return append(appendVarBytes(dst, c.Key), c.Data...)
	}
	return dst
}

// splitUTF16 finds where the suffix starting at UTF-16 unit k begins in
// valid UTF-8 text. split reports that k falls between the two halves of a
// surrogate pair; the suffix then starts after that code point.
func splitUTF16(b []byte, k uint64) (at int, split bool) {
	units := uint64(0)
	i := 0
	for i < len(b) && units < k {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			units++
		case c < 0xe0:
			i += 2
			units++
		case c < 0xf0:
			i += 3
			units++
		default:
			i += 4
			units += 2
		}
	}
	if i > len(b) {
		i = len(b)
	}
	return i, units > k
}

// skipVarStrings drops the first n length-prefixed strings of canonical,
// already validated data.
func skipVarStrings(data []byte, n uint64) []byte {
	d := decoder{buf: data}
	for ; n > 0; n-- {
		if _, err := d.readVarUint8Array(); err != nil {
			return nil
		}
	}
	return data[d.pos:]
}

// skipAnys drops the first n Any values of already validated data.
func skipAnys(data []byte, n uint64) []byte {
	d := decoder{buf: data}
	for ; n > 0; n-- {
		if _, err := scanAny(&d, 1<<30); err != nil {
			return nil
		}
	}
	return data[d.pos:]
}

// spliceStruct returns the part of s from clock offset diff on, like Yjs's
// sliceStruct. An Item's right part gets the unit before it as origin.
func spliceStruct(s *Struct, diff uint64) (Struct, error) {
	r := *s
	r.ID.Clock += diff
	r.Length -= diff
	if s.Kind != KindItem {
		return r, nil
	}
	r.HasOrigin = true
	r.Origin = ID{s.ID.Client, s.ID.Clock + diff - 1}
	c := &r.Content
	switch c.Ref {
	case RefDeleted:
	case RefJSON:
		c.Data = skipVarStrings(c.Data, diff)
	case RefAny:
		c.Data = skipAnys(c.Data, diff)
	case RefString:
		at, split := splitUTF16(c.Data, diff)
		if split {
			c.Data = append(append(make([]byte, 0, len(replacementChar)+len(c.Data)-at), replacementChar...), c.Data[at:]...)
		} else {
			c.Data = c.Data[at:]
		}
	default:
		return r, malformed("content ref %d cannot be split", c.Ref)
	}
	return r, nil
}

// lazyWriter collects structs into client groups the way Yjs's
// LazyStructWriter does: a new group starts whenever the client changes,
// and the group's struct count is only known once it ends.
type lazyWriter struct {
	body       []byte
	groups     []group
	client     uint64
	written    int
	groupStart int
}

// group is one finished client group inside lazyWriter.body.
type group struct {
	start, end, count int
}

func (w *lazyWriter) write(s *Struct, offset uint64) {
	if w.written > 0 && w.client != s.ID.Client {
		w.flush()
	}
	if w.written == 0 {
		w.client = s.ID.Client
		w.groupStart = len(w.body)
		w.body = appendVarUint(w.body, s.ID.Client)
		w.body = appendVarUint(w.body, s.ID.Clock+offset)
	}
	w.body = appendStruct(w.body, s, offset)
	w.written++
}

func (w *lazyWriter) flush() {
	if w.written > 0 {
		w.groups = append(w.groups, group{w.groupStart, len(w.body), w.written})
		w.written = 0
	}
}

// finish appends the group count and the groups to dst.
func (w *lazyWriter) finish(dst []byte) []byte {
	w.flush()
	dst = appendVarUint(dst, uint64(len(w.groups)))
	for _, g := range w.groups {
		dst = appendVarUint(dst, uint64(g.count))
		dst = append(dst, w.body[g.start:g.end]...)
	}
	return dst
}

// bodyPool recycles group buffers between calls: the body is copied into
// the result by finish, so it is garbage right after. Reusing it halves what
// a merge allocates, and with it how often the garbage collector runs.
var bodyPool sync.Pool

// maxPooledBody keeps unusually large buffers out of the pool.
const maxPooledBody = 8 << 20

// reserve gives w a body buffer of at least n bytes, from the pool if one
// is available.
func (w *lazyWriter) reserve(n int) {
	if b, ok := bodyPool.Get().(*[]byte); ok {
		if cap(*b) >= n {
			w.body = (*b)[:0]
			return
		}
		bodyPool.Put(b)
	}
	w.body = make([]byte, 0, n)
}

// release hands the body buffer back to the pool once finish has copied it.
func (w *lazyWriter) release() {
	if cap(w.body) > 0 && cap(w.body) <= maxPooledBody {
		b := w.body[:0]
		bodyPool.Put(&b)
	}
	w.body = nil
}

// size is an upper bound of what finish appends.
func (w *lazyWriter) size() int {
	return len(w.body) + 10*(len(w.groups)+2)
}
