package argon2id

import "math/bits"

// blockWords is the size of an Argon2 block (1 KiB) in 64-bit words.
const blockWords = 128

// block is one 1 KiB Argon2 block, as little-endian 64-bit words.
type block [blockWords]uint64

// fillBlock computes the compression G(x, y) of RFC 9106 section 3.5 and
// stores it in dst, or, when xorInto is set, XORs it into dst. Version 0x13
// overwrites in the first pass and XORs in later ones. dst may alias x or y
// (the address generator compresses a block into itself).
//
// G views R = x XOR y as an 8x8 matrix of 16-byte registers, applies the
// BLAKE2b-based permutation P to each row and then to each column, and XORs R
// back in. The 16 permutation calls are written out so that every index is a
// constant and the compiler drops all bounds checks.
func fillBlock(dst, x, y *block, xorInto bool) {
	r := *x // a copy, not a zeroed var: saves clearing 1 KiB per block
	for i := range r {
		r[i] ^= y[i]
	}
	q := r

	// Row i is words 16i..16i+15.
	permuteRow((*[16]uint64)(q[0:16]))
	permuteRow((*[16]uint64)(q[16:32]))
	permuteRow((*[16]uint64)(q[32:48]))
	permuteRow((*[16]uint64)(q[48:64]))
	permuteRow((*[16]uint64)(q[64:80]))
	permuteRow((*[16]uint64)(q[80:96]))
	permuteRow((*[16]uint64)(q[96:112]))
	permuteRow((*[16]uint64)(q[112:128]))

	// Column i is words 2i, 2i+1, 2i+16, 2i+17, ..., 2i+112, 2i+113.
	permuteColumn((*[114]uint64)(q[0:114]))
	permuteColumn((*[114]uint64)(q[2:116]))
	permuteColumn((*[114]uint64)(q[4:118]))
	permuteColumn((*[114]uint64)(q[6:120]))
	permuteColumn((*[114]uint64)(q[8:122]))
	permuteColumn((*[114]uint64)(q[10:124]))
	permuteColumn((*[114]uint64)(q[12:126]))
	permuteColumn((*[114]uint64)(q[14:128]))

	if xorInto {
		for i := range dst {
			dst[i] ^= q[i] ^ r[i]
		}
		return
	}
	for i := range dst {
		dst[i] = q[i] ^ r[i]
	}
}

// permuteRow applies P to 16 consecutive words.
func permuteRow(v *[16]uint64) {
	v0, v1, v2, v3 := v[0], v[1], v[2], v[3]
	v4, v5, v6, v7 := v[4], v[5], v[6], v[7]
	v8, v9, v10, v11 := v[8], v[9], v[10], v[11]
	v12, v13, v14, v15 := v[12], v[13], v[14], v[15]

	v0, v4, v8, v12 = mixHalf(v0, v4, v8, v12, -32, -24)
	v0, v4, v8, v12 = mixHalf(v0, v4, v8, v12, -16, -63)
	v1, v5, v9, v13 = mixHalf(v1, v5, v9, v13, -32, -24)
	v1, v5, v9, v13 = mixHalf(v1, v5, v9, v13, -16, -63)
	v2, v6, v10, v14 = mixHalf(v2, v6, v10, v14, -32, -24)
	v2, v6, v10, v14 = mixHalf(v2, v6, v10, v14, -16, -63)
	v3, v7, v11, v15 = mixHalf(v3, v7, v11, v15, -32, -24)
	v3, v7, v11, v15 = mixHalf(v3, v7, v11, v15, -16, -63)
	v0, v5, v10, v15 = mixHalf(v0, v5, v10, v15, -32, -24)
	v0, v5, v10, v15 = mixHalf(v0, v5, v10, v15, -16, -63)
	v1, v6, v11, v12 = mixHalf(v1, v6, v11, v12, -32, -24)
	v1, v6, v11, v12 = mixHalf(v1, v6, v11, v12, -16, -63)
	v2, v7, v8, v13 = mixHalf(v2, v7, v8, v13, -32, -24)
	v2, v7, v8, v13 = mixHalf(v2, v7, v8, v13, -16, -63)
	v3, v4, v9, v14 = mixHalf(v3, v4, v9, v14, -32, -24)
	v3, v4, v9, v14 = mixHalf(v3, v4, v9, v14, -16, -63)

	v[0], v[1], v[2], v[3] = v0, v1, v2, v3
	v[4], v[5], v[6], v[7] = v4, v5, v6, v7
	v[8], v[9], v[10], v[11] = v8, v9, v10, v11
	v[12], v[13], v[14], v[15] = v12, v13, v14, v15
}

// permuteColumn applies P to one column: the word pairs at offsets 0, 16, ...,
// 112 of a window that starts at the column's first word. It repeats
// permuteRow's body because a shared helper taking 16 words would either
// spill them through memory or lose the constant indices.
func permuteColumn(v *[114]uint64) {
	v0, v1, v2, v3 := v[0], v[1], v[16], v[17]
	v4, v5, v6, v7 := v[32], v[33], v[48], v[49]
	v8, v9, v10, v11 := v[64], v[65], v[80], v[81]
	v12, v13, v14, v15 := v[96], v[97], v[112], v[113]

	v0, v4, v8, v12 = mixHalf(v0, v4, v8, v12, -32, -24)
	v0, v4, v8, v12 = mixHalf(v0, v4, v8, v12, -16, -63)
	v1, v5, v9, v13 = mixHalf(v1, v5, v9, v13, -32, -24)
	v1, v5, v9, v13 = mixHalf(v1, v5, v9, v13, -16, -63)
	v2, v6, v10, v14 = mixHalf(v2, v6, v10, v14, -32, -24)
	v2, v6, v10, v14 = mixHalf(v2, v6, v10, v14, -16, -63)
	v3, v7, v11, v15 = mixHalf(v3, v7, v11, v15, -32, -24)
	v3, v7, v11, v15 = mixHalf(v3, v7, v11, v15, -16, -63)
	v0, v5, v10, v15 = mixHalf(v0, v5, v10, v15, -32, -24)
	v0, v5, v10, v15 = mixHalf(v0, v5, v10, v15, -16, -63)
	v1, v6, v11, v12 = mixHalf(v1, v6, v11, v12, -32, -24)
	v1, v6, v11, v12 = mixHalf(v1, v6, v11, v12, -16, -63)
	v2, v7, v8, v13 = mixHalf(v2, v7, v8, v13, -32, -24)
	v2, v7, v8, v13 = mixHalf(v2, v7, v8, v13, -16, -63)
	v3, v4, v9, v14 = mixHalf(v3, v4, v9, v14, -32, -24)
	v3, v4, v9, v14 = mixHalf(v3, v4, v9, v14, -16, -63)

	v[0], v[1], v[16], v[17] = v0, v1, v2, v3
	v[32], v[33], v[48], v[49] = v4, v5, v6, v7
	v[64], v[65], v[80], v[81] = v8, v9, v10, v11
	v[96], v[97], v[112], v[113] = v12, v13, v14, v15
}

// mixHalf is half of BLAKE2b's quarter round G with rotations rd and rb, and
// with each addition a+b replaced by BlaMka's a + b + 2*lo32(a)*lo32(b) (RFC
// 9106 section 3.6), which makes the compression multiplication-hard. The
// quarter round is split in two so that each half is small enough to inline;
// an out-of-line call per quarter round would spill the other twelve live
// words around every call (about 5% slower overall when measured).
func mixHalf(a, b, c, d uint64, rd, rb int) (uint64, uint64, uint64, uint64) {
	a = blaMka(a, b)
	d = bits.RotateLeft64(d^a, rd)
	c = blaMka(c, d)
	b = bits.RotateLeft64(b^c, rb)
	return a, b, c, d
}

// blaMka is the multiply-add that replaces BLAKE2b's plain addition.
func blaMka(x, y uint64) uint64 {
	return x + y + 2*uint64(uint32(x))*uint64(uint32(y))
}
