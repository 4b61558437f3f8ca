package yjs

import "encoding/binary"

// structReader decodes the structs of a V1 update one at a time, like Yjs's
// LazyStructReader. Nothing is copied: byte slices in cur point into the
// update unless a value had to be rewritten into canonical form.
type structReader struct {
	d   decoder
	lim *Limits

	groupsLeft  uint64
	structsLeft uint64
	client      uint64
	clock       uint64
	count       int

	filterSkips bool
	// cur is valid while ok is true.
	cur Struct
	ok  bool

	// scratch is reused for canonical forms that turn out equal to the input.
	scratch []byte

	// The client of the last ID read, with its encoded bytes, for readID.
	idClient      uint64
	idClientLen   int
	idClientMask  uint64
	idClientBytes uint64
}

func (r *structReader) init(update []byte, lim *Limits, filterSkips bool) error {
	*r = structReader{d: decoder{buf: update}, lim: lim, filterSkips: filterSkips, scratch: r.scratch[:0]}
	n, err := r.d.readVarUint()
	if err != nil {
		return err
	}
	// A client group header takes at least three bytes.
	if n > uint64(r.d.remaining())/3 {
		return errTruncated
	}
	if n > uint64(lim.MaxClients) {
		return overLimit("%d client groups exceed %d", n, lim.MaxClients)
	}
	r.groupsLeft = n
	return r.next()
}

// next advances to the following struct, skipping Skips when filterSkips is
// set. At the end ok turns false and the decoder sits on the delete set.
func (r *structReader) next() error {
	for {
		if err := r.read(); err != nil {
			r.ok = false
			return err
		}
		if !r.ok || !r.filterSkips || r.cur.Kind != KindSkip {
			return nil
		}
	}
}

func (r *structReader) read() error {
	for r.structsLeft == 0 {
		if r.groupsLeft == 0 {
			r.ok = false
			return nil
		}
		r.groupsLeft--
		n, err := r.d.readVarUint()
		if err != nil {
			return err
		}
		// Every struct takes at least two bytes.
		if n > uint64(r.d.remaining())/2 {
			return errTruncated
		}
		if r.client, err = r.d.readVarUint(); err != nil {
			return err
		}
		if r.clock, err = r.d.readVarUint(); err != nil {
			return err
		}
		r.structsLeft = n
	}
	r.structsLeft--
	if r.count++; r.count > r.lim.MaxStructs {
		return overLimit("more than %d structs", r.lim.MaxStructs)
	}
	if err := r.readStruct(&r.cur); err != nil {
		return err
	}
	if r.cur.Length > maxSafeInteger-r.clock {
		return errClockRange
	}
	r.clock += r.cur.Length
	r.ok = true
	return nil
}

func (r *structReader) readID() (ID, error) {
	// IDs are the most frequent field; decode both halves in one go when
	// sixteen bytes are available.
	if d := &r.d; d.pos+2*maxVarUintBytes <= len(d.buf) {
		x := binary.LittleEndian.Uint64(d.buf[d.pos:])
		// Origins mostly name a few clients; recognising the bytes of the
		// last one seen is cheaper than decoding them again.
		client, n1, ok1 := r.idClient, r.idClientLen, true
		if x&r.idClientMask != r.idClientBytes || n1 == 0 {
			client, n1, ok1 = gatherVarUint(x)
			if ok1 {
				r.idClient, r.idClientLen = client, n1
				r.idClientMask = 1<<(8*n1) - 1
				r.idClientBytes = x & r.idClientMask
			}
		}
		if ok1 {
			clock, n2, ok2 := gatherVarUint(binary.LittleEndian.Uint64(d.buf[d.pos+n1:]))
			if ok2 {
				d.pos += n1 + n2
				return ID{client, clock}, nil
			}
		}
	}
	client, err := r.d.readVarUint()
	if err != nil {
		return ID{}, err
	}
	clock, err := r.d.readVarUint()
	return ID{client, clock}, err
}

// readStruct decodes one struct at r.client/r.clock. The info byte decides
// the kind exactly as Yjs does: 10 is a Skip, a zero content ref is a GC
// (whatever the high bits say), anything else is an Item.
func (r *structReader) readStruct(s *Struct) error {
	*s = Struct{ID: ID{r.client, r.clock}}
	info, err := r.d.readUint8()
	if err != nil {
		return err
	}
	if info == refSkip || info&0x1f == refGC {
		s.Kind = KindGC
		if info == refSkip {
			s.Kind = KindSkip
		}
		s.Length, err = r.d.readVarUint()
		return err
	}
	s.Kind = KindItem
	if info&0x80 != 0 {
		s.HasOrigin = true
		if s.Origin, err = r.readID(); err != nil {
			return err
		}
	}
	if info&0x40 != 0 {
		s.HasRightOrigin = true
		if s.RightOrigin, err = r.readID(); err != nil {
			return err
		}
	}
	if info&0xc0 == 0 {
		// Without origins the parent must be written out.
		isKey, err := r.d.readVarUint()
		if err != nil {
			return err
		}
		if isKey == 1 {
			s.Parent = ParentRoot
			if s.ParentName, err = r.d.readVarString(); err != nil {
				return err
			}
		} else {
			s.Parent = ParentItem
			if s.ParentID, err = r.readID(); err != nil {
				return err
			}
		}
		if info&0x20 != 0 {
			s.HasParentSub = true
			if s.ParentSub, err = r.d.readVarString(); err != nil {
				return err
			}
		}
	}
	return r.readContent(s, ContentRef(info&0x1f))
}
