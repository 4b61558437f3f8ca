package ydoc

import "github.com/thebrain/thebrain/modules/collab/yjs"

// Limits bounds what one ApplyUpdate may cost. Zero fields take the value
// of DefaultLimits.
type Limits struct {
	// Codec bounds the update itself (size, structs, delete ranges,
	// clients, value depth); see yjs.Limits.
	Codec yjs.Limits
	// MaxTypeDepth is the deepest nesting of shared types (a type inside a
	// type inside …) the document accepts.
	MaxTypeDepth int
	// MaxIntegrationSteps bounds the work of one ApplyUpdate or Transact, in
	// steps of roughly 50 ns: an item visited by conflict resolution, 64
	// structs moved when an item is split, 8 bytes of non-ASCII text
	// walked to split it. A hostile update cannot make integration
	// quadratic without end; the default allows several seconds of work.
	MaxIntegrationSteps int64
	// MaxPendingBytes bounds the structs and deletes kept while they wait
	// for missing updates.
	MaxPendingBytes int
}

// DefaultLimits suit book chapters with their whole editing history.
var DefaultLimits = Limits{
	// The codec's defaults, with fewer structs per update: every struct is
	// decoded (about 200 bytes) and becomes an item (about 250 bytes).
	Codec:               yjs.Limits{MaxStructs: 1 << 20},
	MaxTypeDepth:        256,
	MaxIntegrationSteps: 1 << 27,
	MaxPendingBytes:     64 << 20,
}

func (l Limits) withDefaults() Limits {
	if l.MaxTypeDepth <= 0 {
		l.MaxTypeDepth = DefaultLimits.MaxTypeDepth
	}
	if l.MaxIntegrationSteps <= 0 {
		l.MaxIntegrationSteps = DefaultLimits.MaxIntegrationSteps
	}
	if l.MaxPendingBytes <= 0 {
		l.MaxPendingBytes = DefaultLimits.MaxPendingBytes
	}
	return l
}
