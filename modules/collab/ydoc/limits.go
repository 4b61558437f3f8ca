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
	// MaxIntegrationSteps bounds the work of one ApplyUpdate or Transact:
	// items visited by conflict resolution, plus one step per eight structs
	// moved when an item is split, so a hostile update cannot make
	// integration quadratic without end.
	MaxIntegrationSteps int64
	// MaxPendingBytes bounds the structs and deletes kept while they wait
	// for missing updates.
	MaxPendingBytes int
}

// DefaultLimits suit book chapters with their whole editing history.
var DefaultLimits = Limits{
	Codec:               yjs.DefaultLimits,
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
