package argon2id

// filler runs the passes of RFC 9106 section 3.2 over a seeded work area,
// calling the pace hook as it goes.
type filler struct {
	b      []block
	g      geometry
	passes uint32
	pace   func() error
	due    int // blocks left until the next pace call
}

// run fills every segment, pass by pass and slice by slice. Within a slice
// the lanes go one after another: a segment reads only its own lane's current
// segment and blocks of finished slices, never another lane's current
// segment, so this order gives the same blocks as filling lanes in parallel.
func (f *filler) run() error {
	for pass := uint32(0); pass < f.passes; pass++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			for lane := uint32(0); lane < f.g.lanes; lane++ {
				if err := f.segment(pass, slice, lane); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// segment fills one segment. Argon2id (RFC 9106 section 3.4.1.3) picks
// reference blocks argon2i-style (from a pseudo-random address stream that
// does not depend on the password) in the first half of pass 0, which resists
// side channels, and argon2d-style (from the previous block's contents)
// everywhere else, which resists time-memory trade-offs.
func (f *filler) segment(pass, slice, lane uint32) error {
	g := f.g
	independent := pass == 0 && slice < syncPoints/2

	// Pass 0 writes blocks; later passes XOR into what pass 0 left. Writing
	// in pass 0 is also what makes a reused, dirty work area safe.
	xorInto := pass > 0

	start := uint32(0)
	if pass == 0 && slice == 0 {
		start = 2 // seeded by seedLanes
	}

	var addr addressStream
	if independent {
		addr.init(pass, lane, slice, g.blocks, f.passes)
	}

	laneBase := lane * g.laneLen
	col := slice*g.segLen + start // column of the block being filled
	for i := start; i < g.segLen; i, col = i+1, col+1 {
		prevCol := col - 1
		if col == 0 {
			prevCol = g.laneLen - 1 // pass > 0, slice 0: wrap to the lane's end
		}
		prev := &f.b[laneBase+prevCol]

		var rnd uint64
		if independent {
			// A new address block every 128 blocks, and one up front when
			// the segment starts after the seed blocks.
			if i%blockWords == 0 || i == start {
				addr.next()
			}
			rnd = addr.out[i%blockWords]
		} else {
			rnd = prev[0]
		}

		ref := &f.b[g.refIndex(rnd, pass, slice, lane, i)]
		fillBlock(&f.b[laneBase+col], prev, ref, xorInto)

		if f.pace != nil {
			if f.due--; f.due == 0 {
				f.due = blocksPerPace
				if err := f.pace(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// refIndex maps the pseudo-random value J1 || J2 (low and high 32 bits of
// rnd) to the index of the block that block i of the segment references
// (RFC 9106 section 3.4.2).
func (g geometry) refIndex(rnd uint64, pass, slice, lane, i uint32) uint32 {
	j1 := rnd & 0xffffffff
	refLane := uint32(rnd>>32) % g.lanes
	if pass == 0 && slice == 0 {
		refLane = lane // nothing outside the own lane exists yet
	}
	sameLane := refLane == lane

	// The reference area W: in pass 0 every block
	// of the finished slices, in later passes the last three slices' worth,
	// starting right after the current slice. In the own lane, W also holds
	// the blocks already filled in this segment, except the one just before
	// the current block (it is G's other input). In another lane, the
	// newest block of W is dropped when the current block starts a segment.
	var size, startCol uint32
	if pass == 0 {
		size = slice * g.segLen
	} else {
		size = (syncPoints - 1) * g.segLen
		startCol = (slice + 1) % syncPoints * g.segLen
	}
	if sameLane {
		size += i - 1
	} else if i == 0 {
		size--
	}

	// phi: square J1 to bias the choice towards recent blocks.
	x := j1 * j1 >> 32
	y := uint64(size) * x >> 32
	rel := uint64(size) - 1 - y
	col := (uint64(startCol) + rel) % uint64(g.laneLen)
	return refLane*g.laneLen + uint32(col)
}

// addressStream produces the data-independent pseudo-random values for one
// segment: block k of the stream is G(0, G(0, Z || k)) with
// Z = pass, lane, slice, m', t, y (RFC 9106 section 3.4.1.2).
type addressStream struct {
	in, out, zero block
}

// init stores Z and resets the counter.
func (a *addressStream) init(pass, lane, slice, blocks, passes uint32) {
	a.in[0] = uint64(pass)
	a.in[1] = uint64(lane)
	a.in[2] = uint64(slice)
	a.in[3] = uint64(blocks)
	a.in[4] = uint64(passes)
	a.in[5] = typeID
	a.in[6] = 0
}

// next advances the counter and computes the next 128 values into out.
func (a *addressStream) next() {
	a.in[6]++
	fillBlock(&a.out, &a.zero, &a.in, false)
	fillBlock(&a.out, &a.zero, &a.out, false)
}
