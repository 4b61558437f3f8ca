package argon2id

import (
	"encoding/binary"

	"golang.org/x/crypto/blake2b"
)

const (
	// version is the Argon2 version this package implements (v = 0x13). It
	// matters beyond H0: 0x13 XORs new blocks into old ones after pass 0.
	version = 0x13
	// typeID is y in RFC 9106 for Argon2id.
	typeID = 2
)

// blakeSize is the size of a full BLAKE2b-512 digest, such as H0.
const blakeSize = blake2b.Size

// initialHash computes H0 (RFC 9106 section 3.2). Each variable-length input
// is preceded by its length as a 32-bit little-endian word. Secret and
// associated data are always empty, but their zero lengths are still hashed,
// as the RFC requires.
func initialHash(password, salt []byte, p Params) [blakeSize]byte {
	var head [24]byte
	binary.LittleEndian.PutUint32(head[0:], uint32(p.Threads))
	binary.LittleEndian.PutUint32(head[4:], p.KeyLen)
	binary.LittleEndian.PutUint32(head[8:], p.Memory) // as given, not rounded
	binary.LittleEndian.PutUint32(head[12:], p.Time)
	binary.LittleEndian.PutUint32(head[16:], version)
	binary.LittleEndian.PutUint32(head[20:], typeID)

	// Written out rather than through a helper taking an io.Writer: with the
	// concrete hasher in view the compiler keeps these buffers on the stack.
	var n [4]byte
	h, _ := blake2b.New512(nil) // cannot fail without a key
	h.Write(head[:])
	binary.LittleEndian.PutUint32(n[:], uint32(len(password)))
	h.Write(n[:])
	h.Write(password)
	binary.LittleEndian.PutUint32(n[:], uint32(len(salt)))
	h.Write(n[:])
	h.Write(salt)
	var empty [8]byte // zero lengths of the secret K and the associated data X
	h.Write(empty[:])

	var h0 [blakeSize]byte
	h.Sum(h0[:0])
	return h0
}

// hashPrime is H' (RFC 9106 section 3.3), the variable-length hash, filling
// all of out. Its input is LE32(len(out)) || X; prefixed holds X after four
// spare bytes, which hashPrime overwrites with the length. Taking the input in
// one piece lets it use blake2b.Sum512, which does not allocate, instead of a
// streaming hasher.
//
// Up to 64 bytes, H' is one BLAKE2b with that digest size. Longer outputs
// chain 64-byte digests V1, V2, ..., keeping the first half of each, and end
// with one digest sized so the total comes out exact.
func hashPrime(out, prefixed []byte) {
	n := len(out)
	binary.LittleEndian.PutUint32(prefixed, uint32(n))
	if n <= blake2b.Size {
		sumN(out, prefixed)
		return
	}
	// r = ceil(n/32) - 2 chained digests contribute 32 bytes each; the last
	// one is sized to what remains (33 to 64 bytes), so it must be computed
	// only once that size is known.
	v := blake2b.Sum512(prefixed)
	for {
		copy(out, v[:blake2b.Size/2])
		out = out[blake2b.Size/2:]
		if len(out) <= blake2b.Size {
			break
		}
		v = blake2b.Sum512(v[:])
	}
	sumN(out, v[:])
}

// sumN writes the BLAKE2b digest of in, with digest size len(out), to out.
// 64-byte digests avoid blake2b.New, which allocates.
func sumN(out, in []byte) {
	if len(out) == blake2b.Size {
		s := blake2b.Sum512(in)
		copy(out, s[:])
		return
	}
	h, err := blake2b.New(len(out), nil)
	if err != nil {
		// Unreachable: callers pass 1..64 bytes and no key.
		panic("argon2id: " + err.Error())
	}
	h.Write(in)
	h.Sum(out[:0])
}
