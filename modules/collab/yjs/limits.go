package yjs

// Limits bounds the work and memory a single call may spend on untrusted
// input. A zero field means "use the value from DefaultLimits", so a caller
// can override one bound without restating the others.
type Limits struct {
	// MaxUpdateSize is the largest accepted update or state vector, in bytes.
	// For MergeUpdates it bounds the sum of all inputs.
	MaxUpdateSize int
	// MaxStructs is the largest number of structs one update may hold.
	MaxStructs int
	// MaxDeleteRanges is the largest number of ranges one delete set may hold.
	MaxDeleteRanges int
	// MaxClients is the largest number of clients one update (client
	// groups, delete set) or state vector may name.
	MaxClients int
	// MaxDepth is the deepest nesting of arrays and objects inside lib0 Any
	// and JSON values.
	MaxDepth int
}

// DefaultLimits are generous for book-sized documents (a 40 000-character
// chapter with its full edit history is about 0.5 MB) while keeping a hostile
// update far away from exhausting memory.
var DefaultLimits = Limits{
	MaxUpdateSize:   64 << 20,
	MaxStructs:      4 << 20,
	MaxDeleteRanges: 4 << 20,
	MaxClients:      1 << 18,
	MaxDepth:        128,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxUpdateSize <= 0 {
		l.MaxUpdateSize = DefaultLimits.MaxUpdateSize
	}
	if l.MaxStructs <= 0 {
		l.MaxStructs = DefaultLimits.MaxStructs
	}
	if l.MaxDeleteRanges <= 0 {
		l.MaxDeleteRanges = DefaultLimits.MaxDeleteRanges
	}
	if l.MaxClients <= 0 {
		l.MaxClients = DefaultLimits.MaxClients
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

func (l *Limits) checkSize(n int) error {
	if n > l.MaxUpdateSize {
		return overLimit("input of %d bytes exceeds %d", n, l.MaxUpdateSize)
	}
	return nil
}
