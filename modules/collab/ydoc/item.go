package ydoc

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// ID names one clock unit of one client.
type ID = yjs.ID

// item is a struct of the store: a yjs Item, or a GC range when gc is set.
type item struct {
	id     ID
	length uint64
	gc     bool

	hasOrigin, hasRightOrigin bool
	origin, rightOrigin       ID
	left, right               *item
	parent                    *ytype
	parentSub                 string
	hasParentSub              bool

	deleted   bool
	keep      bool
	countable bool
	marker    bool

	content content
}

// content is an Item's payload. Values that yjs would write back unchanged
// are kept as their canonical bytes (elems, data), so encoding never has to
// re-derive them. Text, the most frequent content, needs only ref, wide
// and str; the other fields live behind a pointer that text leaves nil.
type content struct {
	ref yjs.ContentRef
	// wide is set when str holds non-ASCII characters, whose UTF-16 offsets
	// must be counted; ASCII strings split and slice in constant time.
	wide bool
	str  string // RefString, UTF-8; length in UTF-16 units is item.length
	*contentExt
}

// contentExt holds the fields of non-text content. Only read them after
// checking ref: text and deleted content have no contentExt.
type contentExt struct {
	elems [][]byte // RefAny: one canonical Any per element; RefJSON: JSON text per element
	data  []byte   // RefBinary bytes; RefEmbed and RefFormat JSON text; RefDoc options (Any)
	key   string   // RefFormat key; RefDoc guid
	typ   *ytype   // RefType

	// value caches the decoded value of a format or embed, so that two reads
	// see the same object (yjs compares format values with ===).
	value    any
	hasValue bool
}

func (c *content) isCountable() bool {
	return c.ref != yjs.RefDeleted && c.ref != yjs.RefFormat
}

// formatValue returns the decoded value of a format item.
func (c *content) formatValue() any {
	if !c.hasValue {
		c.value = decodeJSON(c.data)
		c.hasValue = true
	}
	return c.value
}

// values returns the elements of the content as yjs's getContent does.
func (c *content) values() []any {
	switch c.ref {
	case yjs.RefAny:
		out := make([]any, len(c.elems))
		for i, e := range c.elems {
			out[i] = decodeAny(e)
		}
		return out
	case yjs.RefJSON:
		out := make([]any, len(c.elems))
		for i, e := range c.elems {
			out[i] = decodeJSON(e)
		}
		return out
	case yjs.RefString:
		u := utf16.Encode([]rune(c.str))
		out := make([]any, len(u))
		for i := range u {
			out[i] = string(utf16.Decode(u[i : i+1]))
		}
		return out
	case yjs.RefBinary:
		return []any{c.data}
	case yjs.RefEmbed:
		return []any{c.formatValue()}
	case yjs.RefType:
		return []any{c.typ.public()}
	case yjs.RefDoc:
		return []any{&SubDoc{GUID: c.key, Opts: decodeAny(c.data)}}
	}
	return nil
}

// last returns the last element of the content (a map entry's value).
func (c *content) last() any {
	switch c.ref {
	case yjs.RefAny:
		if len(c.elems) == 0 {
			return Undefined
		}
		return decodeAny(c.elems[len(c.elems)-1])
	case yjs.RefJSON:
		if len(c.elems) == 0 {
			return Undefined
		}
		return decodeJSON(c.elems[len(c.elems)-1])
	}
	v := c.values()
	if len(v) == 0 {
		return Undefined
	}
	return v[len(v)-1]
}

// SubDoc is a sub-document reference (ContentDoc): its guid and options.
type SubDoc struct {
	GUID string
	Opts any
}

// ToJSON is what yjs's toJSON gives for a sub-document that is not
// loaded: an empty object (Doc.toJSON of a document without types).
func (s *SubDoc) ToJSON() any { return map[string]any{} }

// splitContent splits c at offset (in clock units) and returns the right
// part, like yjs's content.splice(offset).
func (c *content) splitContent(offset, length uint64) content {
	switch c.ref {
	case yjs.RefString:
		if !c.wide {
			l, r := c.str[:offset], c.str[offset:]
			c.str = l
			return content{ref: yjs.RefString, str: r}
		}
		l, r := splitUTF16String(c.str, offset)
		c.str = l
		c.wide = !isASCII(l)
		return content{ref: yjs.RefString, str: r, wide: !isASCII(r)}
	case yjs.RefAny, yjs.RefJSON:
		right := content{ref: c.ref, contentExt: &contentExt{elems: append([][]byte(nil), c.elems[offset:]...)}}
		c.elems = c.elems[:offset:offset]
		return right
	case yjs.RefDeleted:
		return content{ref: yjs.RefDeleted}
	}
	// Content of length one never splits; a hostile length cannot reach here.
	return content{ref: yjs.RefDeleted}
}

// splitUTF16String cuts s after k UTF-16 units. A cut inside a surrogate
// pair replaces both halves with U+FFFD, as yjs does. It counts units from
// the lead bytes of valid UTF-8 without decoding runes.
func splitUTF16String(s string, k uint64) (string, string) {
	units := uint64(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 && c < 0xc0 {
			continue // continuation byte
		}
		if units == k {
			return s[:i], s[i:]
		}
		if c >= 0xf0 {
			if units+1 == k {
				// k falls inside this surrogate pair
				n := min(i+4, len(s))
				return s[:i] + "\uFFFD", "\uFFFD" + s[n:]
			}
			units += 2
		} else {
			units++
		}
	}
	return s, ""
}

// sliceUTF16 returns s from UTF-16 unit k on, as JavaScript's slice(k)
// followed by UTF-8 encoding (a lone low surrogate becomes U+FFFD).
func sliceUTF16(s string, k uint64) string {
	_, r := splitUTF16String(s, k)
	return r
}

// stringContent is ContentString holding s.
func stringContent(s string) content {
	return content{ref: yjs.RefString, str: s, wide: !isASCII(s)}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// utf16Len counts the UTF-16 units of s.
func utf16Len(s string) uint64 {
	n := uint64(0)
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func (it *item) lastID() ID { return ID{Client: it.id.Client, Clock: it.id.Clock + it.length - 1} }

// next returns the first non-deleted item to the right.
func (it *item) next() *item {
	n := it.right
	for n != nil && n.deleted {
		n = n.right
	}
	return n
}

// prev returns the first non-deleted item to the left.
func (it *item) prev() *item {
	n := it.left
	for n != nil && n.deleted {
		n = n.left
	}
	return n
}

func (it *item) isFormat() bool { return !it.gc && it.content.ref == yjs.RefFormat }

// mergeWith appends right to it when yjs would (Item.mergeWith, GC.mergeWith).
func (it *item) mergeWith(right *item) bool {
	if it.gc || right.gc {
		if it.gc && right.gc {
			it.length += right.length
			return true
		}
		return false
	}
	if !right.hasOrigin || right.origin != it.lastID() || it.right != right ||
		it.hasRightOrigin != right.hasRightOrigin || (it.hasRightOrigin && it.rightOrigin != right.rightOrigin) ||
		it.id.Client != right.id.Client || it.id.Clock+it.length != right.id.Clock ||
		it.deleted != right.deleted || it.content.ref != right.content.ref {
		return false
	}
	switch it.content.ref {
	case yjs.RefString:
		it.content.str += right.content.str
		it.content.wide = it.content.wide || right.content.wide
	case yjs.RefAny, yjs.RefJSON:
		it.content.elems = append(it.content.elems, right.content.elems...)
	case yjs.RefDeleted:
	default:
		return false
	}
	if p := it.parent; p != nil && p.markers != nil {
		for _, m := range p.markers.list {
			if m.p == right {
				m.p = it
				if !it.deleted && it.countable {
					m.index -= int64(it.length)
				}
			}
		}
	}
	if right.keep {
		it.keep = true
	}
	it.right = right.right
	if it.right != nil {
		it.right.left = it
	}
	it.length += right.length
	return true
}
