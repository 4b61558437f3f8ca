package yjs

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Yjs stores JSON content (ContentJSON elements, embeds and format values) as
// text, but parses it on read and stringifies it again on write. To copy such
// content byte-identically we apply the same round trip: canonJSON parses the
// text with JSON.parse's grammar and writes what JSON.stringify would print.

type jsonCanon struct {
	src      []byte
	pos      int
	dst      []byte
	maxDepth int
}

var errJSON = malformed("invalid JSON text")

// canonJSON appends the JSON.stringify(JSON.parse(src)) form of src to dst.
func canonJSON(dst, src []byte, maxDepth int) ([]byte, error) {
	c := jsonCanon{src: src, dst: dst, maxDepth: maxDepth}
	c.skipSpace()
	if err := c.value(0); err != nil {
		return dst, err
	}
	c.skipSpace()
	if c.pos != len(c.src) {
		return dst, errJSON
	}
	return c.dst, nil
}

func (c *jsonCanon) skipSpace() {
	for c.pos < len(c.src) {
		switch c.src[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *jsonCanon) literal(word string) error {
	if len(c.src)-c.pos < len(word) || string(c.src[c.pos:c.pos+len(word)]) != word {
		return errJSON
	}
	c.pos += len(word)
	c.dst = append(c.dst, word...)
	return nil
}

func (c *jsonCanon) value(depth int) error {
	if c.pos >= len(c.src) {
		return errJSON
	}
	switch ch := c.src[c.pos]; {
	case ch == '{':
		return c.object(depth)
	case ch == '[':
		return c.array(depth)
	case ch == '"':
		return c.str()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	case ch == '-' || (ch >= '0' && ch <= '9'):
		return c.number()
	}
	return errJSON
}

func (c *jsonCanon) array(depth int) error {
	if depth >= c.maxDepth {
		return errDepth
	}
	c.pos++
	c.dst = append(c.dst, '[')
	c.skipSpace()
	if c.pos < len(c.src) && c.src[c.pos] == ']' {
		c.pos++
		c.dst = append(c.dst, ']')
		return nil
	}
	for {
		c.skipSpace()
		if err := c.value(depth + 1); err != nil {
			return err
		}
		c.skipSpace()
		if c.pos >= len(c.src) {
			return errJSON
		}
		switch c.src[c.pos] {
		case ',':
			c.pos++
			c.dst = append(c.dst, ',')
		case ']':
			c.pos++
			c.dst = append(c.dst, ']')
			return nil
		default:
			return errJSON
		}
	}
}

// member locates one object entry inside c.dst while its object is built.
type member struct {
	keyStart, keyEnd, valEnd int
}

func (c *jsonCanon) object(depth int) error {
	if depth >= c.maxDepth {
		return errDepth
	}
	c.pos++
	start := len(c.dst)
	c.dst = append(c.dst, '{')
	c.skipSpace()
	if c.pos < len(c.src) && c.src[c.pos] == '}' {
		c.pos++
		c.dst = append(c.dst, '}')
		return nil
	}
	var small [8]member
	members := small[:0]
	for {
		c.skipSpace()
		if c.pos >= len(c.src) || c.src[c.pos] != '"' {
			return errJSON
		}
		m := member{keyStart: len(c.dst)}
		if err := c.str(); err != nil {
			return err
		}
		m.keyEnd = len(c.dst)
		c.skipSpace()
		if c.pos >= len(c.src) || c.src[c.pos] != ':' {
			return errJSON
		}
		c.pos++
		c.dst = append(c.dst, ':')
		c.skipSpace()
		if err := c.value(depth + 1); err != nil {
			return err
		}
		m.valEnd = len(c.dst)
		members = append(members, m)
		c.skipSpace()
		if c.pos >= len(c.src) {
			return errJSON
		}
		switch c.src[c.pos] {
		case ',':
			c.pos++
			c.dst = append(c.dst, ',')
			continue
		case '}':
			c.pos++
			c.dst = append(c.dst, '}')
			return c.reorder(start, members)
		}
		return errJSON
	}
}

// reorder rewrites the object at c.dst[start:] in JavaScript property order
// if its members are not already in it: array-index keys ascending first,
// repeated keys merged into the first position with the last value.
func (c *jsonCanon) reorder(start int, members []member) error {
	key := func(m member) []byte { return c.dst[m.keyStart+1 : m.keyEnd-1] }
	ordered := true
	last := int64(-1)
	sawName := false
	for i, m := range members {
		if idx, ok := arrayIndex(key(m)); ok {
			if sawName || idx <= last {
				ordered = false
			}
			last = idx
		} else {
			sawName = true
		}
		for _, p := range members[:i] {
			if string(key(p)) == string(key(m)) {
				ordered = false
			}
		}
		if !ordered || i > 64 {
			// Long objects are rare; just take the general path.
			ordered = false
			break
		}
	}
	if ordered {
		return nil
	}
	type entry struct {
		key, val []byte
	}
	var entries []entry
	pos := map[string]int{}
	for _, m := range members {
		k := key(m)
		v := c.dst[m.keyEnd+1 : m.valEnd]
		if i, ok := pos[string(k)]; ok {
			entries[i].val = v
			continue
		}
		pos[string(k)] = len(entries)
		entries = append(entries, entry{k, v})
	}
	var out []byte
	out = append(out, '{')
	first := true
	emit := func(e entry) {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, '"')
		out = append(out, e.key...)
		out = append(out, '"', ':')
		out = append(out, e.val...)
	}
	var indexed []entry
	for _, e := range entries {
		if _, ok := arrayIndex(e.key); ok {
			indexed = append(indexed, e)
		}
	}
	// Insertion sort: index keys are few in practice and this keeps the
	// comparison on the parsed numbers.
	for i := 1; i < len(indexed); i++ {
		for j := i; j > 0; j-- {
			a, _ := arrayIndex(indexed[j-1].key)
			b, _ := arrayIndex(indexed[j].key)
			if a <= b {
				break
			}
			indexed[j-1], indexed[j] = indexed[j], indexed[j-1]
		}
	}
	for _, e := range indexed {
		emit(e)
	}
	for _, e := range entries {
		if _, ok := arrayIndex(e.key); !ok {
			emit(e)
		}
	}
	out = append(out, '}')
	c.dst = append(c.dst[:start], out...)
	return nil
}

// str reads a JSON string and writes it as JSON.stringify would: only
// quote, backslash, control characters and lone surrogates are escaped.
func (c *jsonCanon) str() error {
	c.pos++
	c.dst = append(c.dst, '"')
	for {
		if c.pos >= len(c.src) {
			return errJSON
		}
		ch := c.src[c.pos]
		switch {
		case ch == '"':
			c.pos++
			c.dst = append(c.dst, '"')
			return nil
		case ch < 0x20:
			return errJSON
		case ch != '\\':
			c.dst = append(c.dst, ch)
			c.pos++
			continue
		}
		if c.pos+1 >= len(c.src) {
			return errJSON
		}
		esc := c.src[c.pos+1]
		c.pos += 2
		switch esc {
		case '"', '\\':
			c.dst = append(c.dst, '\\', esc)
		case '/':
			c.dst = append(c.dst, '/')
		case 'b', 'f', 'n', 'r', 't':
			c.dst = append(c.dst, '\\', esc)
		case 'u':
			u, ok := c.hex4()
			if !ok {
				return errJSON
			}
			if u >= 0xd800 && u < 0xdc00 && c.pos+6 <= len(c.src) && c.src[c.pos] == '\\' && c.src[c.pos+1] == 'u' {
				save := c.pos
				c.pos += 2
				lo, ok := c.hex4()
				if ok && lo >= 0xdc00 && lo < 0xe000 {
					c.dst = utf8.AppendRune(c.dst, rune(0x10000+(u-0xd800)<<10+(lo-0xdc00)))
					continue
				}
				c.pos = save
			}
			c.appendUnit(u)
		default:
			return errJSON
		}
	}
}

func (c *jsonCanon) hex4() (uint32, bool) {
	if c.pos+4 > len(c.src) {
		return 0, false
	}
	var u uint32
	for _, h := range c.src[c.pos : c.pos+4] {
		switch {
		case h >= '0' && h <= '9':
			u = u<<4 | uint32(h-'0')
		case h >= 'a' && h <= 'f':
			u = u<<4 | uint32(h-'a'+10)
		case h >= 'A' && h <= 'F':
			u = u<<4 | uint32(h-'A'+10)
		default:
			return 0, false
		}
	}
	c.pos += 4
	return u, true
}

// appendUnit writes one UTF-16 unit that came from a \u escape.
func (c *jsonCanon) appendUnit(u uint32) {
	const hexdigits = "0123456789abcdef"
	switch {
	case u == '"' || u == '\\':
		c.dst = append(c.dst, '\\', byte(u))
	case u == '\b':
		c.dst = append(c.dst, '\\', 'b')
	case u == '\f':
		c.dst = append(c.dst, '\\', 'f')
	case u == '\n':
		c.dst = append(c.dst, '\\', 'n')
	case u == '\r':
		c.dst = append(c.dst, '\\', 'r')
	case u == '\t':
		c.dst = append(c.dst, '\\', 't')
	case u < 0x20 || (u >= 0xd800 && u < 0xe000):
		c.dst = append(c.dst, '\\', 'u', hexdigits[u>>12], hexdigits[u>>8&15], hexdigits[u>>4&15], hexdigits[u&15])
	default:
		c.dst = utf8.AppendRune(c.dst, rune(u))
	}
}

func (c *jsonCanon) number() error {
	start := c.pos
	if c.src[c.pos] == '-' {
		c.pos++
	}
	digits := func() int {
		n := 0
		for c.pos < len(c.src) && c.src[c.pos] >= '0' && c.src[c.pos] <= '9' {
			c.pos++
			n++
		}
		return n
	}
	if c.pos < len(c.src) && c.src[c.pos] == '0' {
		c.pos++
	} else if digits() == 0 {
		return errJSON
	}
	if c.pos < len(c.src) && c.src[c.pos] == '.' {
		c.pos++
		if digits() == 0 {
			return errJSON
		}
	}
	if c.pos < len(c.src) && (c.src[c.pos] == 'e' || c.src[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.src) && (c.src[c.pos] == '+' || c.src[c.pos] == '-') {
			c.pos++
		}
		if digits() == 0 {
			return errJSON
		}
	}
	f, err := strconv.ParseFloat(string(c.src[start:c.pos]), 64)
	if err != nil && !math.IsInf(f, 0) {
		return errJSON
	}
	if math.IsInf(f, 0) {
		// JSON.stringify prints non-finite numbers as null.
		c.dst = append(c.dst, "null"...)
		return nil
	}
	c.dst = appendJSNumber(c.dst, f)
	return nil
}
