package yprotocol

// The few lib0 primitives the envelope needs. Package yjs has its own,
// tuned for update decoding; these stay small and obviously bounded.

// maxSafeInteger is the largest integer a JavaScript peer can send exactly.
const maxSafeInteger = 1<<53 - 1

type decoder struct {
	buf []byte
	pos int
}

func (d *decoder) remaining() int { return len(d.buf) - d.pos }

func (d *decoder) readVarUint() (uint64, error) {
	var v uint64
	for i := 0; i < 8; i++ {
		if d.pos >= len(d.buf) {
			return 0, errTruncated
		}
		b := d.buf[d.pos]
		d.pos++
		v |= uint64(b&0x7f) << (7 * uint(i))
		if b < 0x80 {
			if v > maxSafeInteger {
				return 0, malformed("integer beyond 2^53-1")
			}
			return v, nil
		}
	}
	return 0, malformed("varUint longer than 8 bytes")
}

func (d *decoder) readVarUint8Array(max int) ([]byte, error) {
	n, err := d.readVarUint()
	if err != nil {
		return nil, err
	}
	if n > uint64(d.remaining()) {
		return nil, errTruncated
	}
	if n > uint64(max) {
		return nil, overLimit("%d bytes exceed %d", n, max)
	}
	b := d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func appendVarUint(dst []byte, v uint64) []byte {
	for v > 0x7f {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

func appendVarBytes(dst, b []byte) []byte {
	return append(appendVarUint(dst, uint64(len(b))), b...)
}
