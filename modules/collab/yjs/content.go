package yjs

import "bytes"

// readContent decodes Item content. Values that Yjs parses and re-encodes
// (JSON text, lib0 Any, sub-document options) are validated and, when their
// bytes are not what Yjs would write back, rewritten into that form.
func (r *structReader) readContent(s *Struct, ref ContentRef) error {
	c := &s.Content
	c.Ref = ref
	d := &r.d
	var err error
	switch ref {
	case RefDeleted:
		s.Length, err = d.readVarUint()
		return err
	case RefJSON:
		return r.readJSONContent(s)
	case RefBinary:
		s.Length = 1
		c.Data, err = d.readVarUint8Array()
		return err
	case RefString:
		if c.Data, err = d.readVarString(); err != nil {
			return err
		}
		s.Length = utf16Len(c.Data)
		return nil
	case RefEmbed:
		s.Length = 1
		c.Data, err = r.readJSONText()
		return err
	case RefFormat:
		s.Length = 1
		if c.Key, err = d.readVarString(); err != nil {
			return err
		}
		c.Data, err = r.readJSONText()
		return err
	case RefType:
		s.Length = 1
		t, err := d.readVarUint()
		if err != nil {
			return err
		}
		if t > TypeXMLText {
			return malformed("unknown type ref %d", t)
		}
		c.TypeRef = uint8(t)
		if t == TypeXMLElement || t == TypeXMLHook {
			c.Key, err = d.readVarString()
		}
		return err
	case RefAny:
		return r.readAnyContent(s)
	case RefDoc:
		s.Length = 1
		return r.readDocContent(c)
	}
	return malformed("unknown content ref %d", ref)
}

// readJSONText reads a varString of JSON and returns its canonical text.
func (r *structReader) readJSONText() ([]byte, error) {
	text, err := r.d.readVarString()
	if err != nil {
		return nil, err
	}
	r.scratch, err = canonJSON(r.scratch[:0], text, r.lim.MaxDepth)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(r.scratch, text) {
		return text, nil
	}
	return bytes.Clone(r.scratch), nil
}

// readJSONContent reads legacy ContentJSON: a count, then one JSON text per
// element, where the literal text "undefined" stands for undefined.
func (r *structReader) readJSONContent(s *Struct) error {
	d := &r.d
	n, err := d.readVarUint()
	if err != nil {
		return err
	}
	if n > uint64(d.remaining()) {
		return errTruncated
	}
	s.Length = n
	start := d.pos
	canonical := true
	var out []byte
	for i := uint64(0); i < n; i++ {
		elemStart := d.pos
		text, err := d.readVarString()
		if err != nil {
			return err
		}
		if d.pos-elemStart != varUintLen(uint64(len(text)))+len(text) {
			canonical = false
		}
		if string(text) != "undefined" {
			r.scratch, err = canonJSON(r.scratch[:0], text, r.lim.MaxDepth)
			if err != nil {
				return err
			}
			if !bytes.Equal(r.scratch, text) {
				canonical = false
			}
		} else {
			r.scratch = append(r.scratch[:0], text...)
		}
		if !canonical {
			if out == nil {
				out = append(out, d.buf[start:elemStart]...)
			}
			out = appendVarBytes(out, r.scratch)
		}
	}
	if out != nil {
		s.Content.Data = out
	} else {
		s.Content.Data = d.buf[start:d.pos]
	}
	return nil
}

// readAnyContent reads ContentAny: a count, then lib0 Any values.
func (r *structReader) readAnyContent(s *Struct) error {
	d := &r.d
	n, err := d.readVarUint()
	if err != nil {
		return err
	}
	if n > uint64(d.remaining()) {
		return errTruncated
	}
	s.Length = n
	start := d.pos
	var out []byte
	for i := uint64(0); i < n; i++ {
		elemStart := d.pos
		canonical, err := scanAny(d, r.lim.MaxDepth)
		if err != nil {
			return err
		}
		if canonical && out == nil {
			continue
		}
		if out == nil {
			out = append(out, d.buf[start:elemStart]...)
		}
		if canonical {
			out = append(out, d.buf[elemStart:d.pos]...)
			continue
		}
		vd := decoder{buf: d.buf[:d.pos], pos: elemStart}
		v, err := decodeAnyValue(&vd, 0, r.lim.MaxDepth)
		if err != nil {
			return err
		}
		out = appendAnyValue(out, v)
	}
	if out != nil {
		s.Content.Data = out
	} else {
		s.Content.Data = d.buf[start:d.pos]
	}
	return nil
}

// readDocContent reads a sub-document: its guid and an options object. Yjs
// builds a Doc from the options and writes back only the ones a Doc keeps:
// gc (when false), autoLoad (when true) and meta (when not null), in that
// order.
func (r *structReader) readDocContent(c *Content) error {
	guid, err := r.d.readVarString()
	if err != nil {
		return err
	}
	opts, err := decodeAnyValue(&r.d, 0, r.lim.MaxDepth)
	if err != nil {
		return err
	}
	if opts.tag == anyNull || opts.tag == anyUndefined {
		// Yjs reads opts.shouldLoad and fails on these.
		return malformed("sub-document options are null or undefined")
	}
	gc, autoLoad := true, false
	var meta *anyValue
	if opts.tag == anyObject {
		if v, ok := opts.get("guid"); ok {
			// The options spread over the guid when building the Doc.
			if v.tag != anyString {
				return malformed("sub-document guid option is not a string")
			}
			guid = v.raw
		}
		if v, ok := opts.get("gc"); ok && v.tag != anyUndefined {
			gc = v.truthy()
		}
		if v, ok := opts.get("autoLoad"); ok && v.tag != anyUndefined {
			autoLoad = v.truthy()
		}
		if v, ok := opts.get("meta"); ok && v.tag != anyUndefined && v.tag != anyNull {
			meta = &v
		}
	}
	c.Key = guid
	out := anyValue{tag: anyObject}
	if !gc {
		out.keys = append(out.keys, []byte("gc"))
		out.elems = append(out.elems, anyValue{tag: anyFalse})
	}
	if autoLoad {
		out.keys = append(out.keys, []byte("autoLoad"))
		out.elems = append(out.elems, anyValue{tag: anyTrue})
	}
	if meta != nil {
		out.keys = append(out.keys, []byte("meta"))
		out.elems = append(out.elems, *meta)
	}
	c.Data = appendAnyValue(nil, out)
	return nil
}
