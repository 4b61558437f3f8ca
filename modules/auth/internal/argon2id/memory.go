package argon2id

import (
	"encoding/binary"
	"errors"
	"math"
)

// blocksPerPace is how many blocks Key fills between calls of its pace hook.
// 256 blocks are 256 KiB of work, about 120 µs on the 2-vCPU Xeon VMs we
// measured (BenchmarkFillBlock reports it as µs/pace): well inside the
// 250 µs bursts that keep other requests' latency near normal, even on a CPU
// twice as slow, while the hook's own cost (a call, usually a clock read)
// stays noise next to the work between calls.
const blocksPerPace = 256

// blocksPerWipe is how many blocks Wipe zeroes between calls of its pace
// hook: 4 MiB, about 0.1 ms at the ~43 GB/s measured right after a hash
// (BenchmarkWipeAfterKey), the same order as one burst of Key.
const blocksPerWipe = 4096

// Memory is a reusable Argon2id work area. Reusing it across hashes avoids
// allocating (and later collecting) the whole work area, 19 MiB with the
// OWASP parameters, for every password checked.
//
// A Memory is not safe for concurrent use; give each worker its own. Between
// hashes it still holds blocks derived from the last password, the same data a
// fresh work area would leave for the garbage collector; call Wipe to zero it
// and Release to drop it.
type Memory struct {
	blocks []block
}

// Key derives a key exactly like
// argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen) from
// golang.org/x/crypto/argon2, with the work area taken from m.
//
// The work area grows when p needs more than m holds and is otherwise reused
// as is; it never shrinks, so a Memory sized by its largest hash keeps that
// size until Release.
//
// When pace is not nil, Key calls it after every blocksPerPace blocks it
// fills; pace may sleep or yield to let other work run. If pace returns an
// error, Key abandons the hash and returns that error unchanged, so a
// cancelled request can stop paying for a hash it no longer needs. pace is
// not called after the final block, unless the block count happens to be a
// multiple of blocksPerPace.
//
// Key returns an error, never panics, for parameters Validate rejects.
func (m *Memory) Key(password, salt []byte, p Params, pace func() error) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if uint64(len(password)) > math.MaxUint32 || uint64(len(salt)) > math.MaxUint32 {
		// H0 prefixes each input with a 32-bit length.
		return nil, errors.New("argon2id: password and salt must each be shorter than 4 GiB")
	}
	g := p.layout()
	b := m.grow(int(g.blocks))

	h0 := initialHash(password, salt, p)
	seedLanes(b, g, &h0)

	f := filler{
		b:      b,
		g:      g,
		passes: p.Time,
		pace:   pace,
		due:    blocksPerPace,
	}
	if err := f.run(); err != nil {
		return nil, err
	}
	return finalize(b, g, p.KeyLen), nil
}

// Key derives a key like Memory.Key with a work area used only for this call.
// It suits one-off hashes; hot paths should keep a Memory per worker.
func Key(password, salt []byte, p Params) ([]byte, error) {
	var m Memory
	return m.Key(password, salt, p, nil)
}

// Release drops the work area so the garbage collector can reclaim it, for
// example when a pool of Memory values goes idle. The next Key allocates a
// new one.
func (m *Memory) Release() {
	m.blocks = nil
}

// Size is the size of the work area m holds, in bytes: what its largest
// hash since the last Release needed.
func (m *Memory) Size() int {
	return cap(m.blocks) * blockWords * 8
}

// Wipe zeroes the whole work area, so nothing derived from the last password
// stays in memory between hashes. Like Key it calls pace, when not nil, after
// every blocksPerWipe blocks; an error from pace stops the pacing, never the
// wiping.
func (m *Memory) Wipe(pace func() error) {
	all := m.blocks[:cap(m.blocks)]
	for len(all) > 0 {
		n := min(len(all), blocksPerWipe)
		clear(all[:n])
		all = all[n:]
		if pace != nil && len(all) > 0 && pace() != nil {
			pace = nil
		}
	}
}

// grow returns the first n blocks of the work area, reallocating only when it
// is too small. The old contents are never read: pass 0 overwrites every block
// before any block reads it (see filler.segment).
func (m *Memory) grow(n int) []block {
	if cap(m.blocks) < n {
		m.blocks = nil // let the old area go before the new one is allocated
		m.blocks = make([]block, n)
	}
	return m.blocks[:n]
}

// seedLanes fills the first two blocks of every lane with
// H'(H0 || LE32(i) || LE32(lane)) for i = 0, 1 (RFC 9106 section 3.2).
func seedLanes(b []block, g geometry, h0 *[blakeSize]byte) {
	// H' input: 4 bytes for its length prefix, then H0, i and lane.
	var in [4 + blakeSize + 8]byte
	copy(in[4:], h0[:])
	var out [blockWords * 8]byte
	for lane := uint32(0); lane < g.lanes; lane++ {
		binary.LittleEndian.PutUint32(in[4+blakeSize+4:], lane)
		for i := uint32(0); i < 2; i++ {
			binary.LittleEndian.PutUint32(in[4+blakeSize:], i)
			hashPrime(out[:], in[:])
			blk := &b[lane*g.laneLen+i]
			for w := range blk {
				blk[w] = binary.LittleEndian.Uint64(out[8*w:])
			}
		}
	}
}

// finalize XORs the last block of every lane together and hashes the result
// with H' into a keyLen-byte key (RFC 9106 section 3.2).
func finalize(b []block, g geometry, keyLen uint32) []byte {
	acc := b[g.laneLen-1]
	for lane := uint32(1); lane < g.lanes; lane++ {
		last := &b[lane*g.laneLen+g.laneLen-1]
		for w := range acc {
			acc[w] ^= last[w]
		}
	}
	var in [4 + blockWords*8]byte
	for w, v := range acc {
		binary.LittleEndian.PutUint64(in[4+8*w:], v)
	}
	key := make([]byte, keyLen)
	hashPrime(key, in[:])
	return key
}
