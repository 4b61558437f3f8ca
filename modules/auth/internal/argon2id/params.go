package argon2id

import (
	"errors"
	"fmt"
)

// minKeyLen is the smallest tag RFC 9106 (section 3.1) allows. x/crypto
// accepts 1 to 3 bytes too, but a key that short is always a caller bug.
const minKeyLen = 4

// syncPoints is the number of slices per pass (S in RFC 9106).
const syncPoints = 4

// Params are the Argon2id cost parameters, in the units IDKey takes.
type Params struct {
	// Memory is the memory cost in KiB. Like IDKey, Key uses at least
	// 8*Threads KiB and rounds down to a multiple of 4*Threads KiB; H0 still
	// commits to the value given here.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the number of lanes (parallelism degree). Lanes are computed
	// sequentially, but the value still changes the output.
	Threads uint8
	// KeyLen is the length of the derived key in bytes.
	KeyLen uint32
}

// Validate reports parameters Key cannot hash. It checks only what the
// algorithm needs (at least one pass, one lane, a 4-byte key); Memory needs no
// check because too little is rounded up exactly as IDKey does. Upper limits
// are a policy of the caller, not of this package.
func (p Params) Validate() error {
	var errs []error
	if p.Time < 1 {
		errs = append(errs, errors.New("argon2id: time must be at least 1 pass"))
	}
	if p.Threads < 1 {
		errs = append(errs, errors.New("argon2id: threads must be at least 1 lane"))
	}
	if p.KeyLen < minKeyLen {
		errs = append(errs, fmt.Errorf("argon2id: key length must be at least %d bytes, got %d", minKeyLen, p.KeyLen))
	}
	return errors.Join(errs...)
}

// AreaSize is the size in bytes of the work area Key needs for p: Memory
// KiB after the rounding described there.
func (p Params) AreaSize() int {
	if p.Threads < 1 {
		return 0
	}
	return int(p.layout().blocks) * blockWords * 8
}

// geometry is the memory layout derived from Params: lanes rows of laneLen
// blocks each, every row split into syncPoints segments.
type geometry struct {
	lanes   uint32 // p
	laneLen uint32 // q = m' / p
	segLen  uint32 // q / syncPoints
	blocks  uint32 // m', the rounded memory in 1 KiB blocks
}

// layout rounds the memory the way IDKey does: down to a whole number of
// segments per lane, but never below two blocks per segment (RFC 9106's
// m >= 8p), so that every lane has room for its two seed blocks.
func (p Params) layout() geometry {
	lanes := uint32(p.Threads)
	unit := syncPoints * lanes
	m := p.Memory / unit * unit
	if m < 2*unit {
		m = 2 * unit
	}
	return geometry{
		lanes:   lanes,
		laneLen: m / lanes,
		segLen:  m / unit,
		blocks:  m,
	}
}
