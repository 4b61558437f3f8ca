// Package expect is optimistic concurrency as services see it: the version
// of a row a write expects to change. The HTTP layer builds it from If-Match
// and a body's version field (httpx.RequireVersion, httpx.OptionalVersion);
// a service checks it against the row it has locked.
package expect

import (
	"slices"

	"github.com/thebrain/thebrain/platform/apperr"
)

// Version is what a write expects of the current version. The zero value,
// Any, accepts every version.
type Version struct {
	constrained bool
	allowed     []int32 // when constrained: the versions that pass (may be none)
}

// Any accepts whatever version is current (no expectation, or If-Match: *).
var Any = Version{}

// Exactly accepts version v only.
func Exactly(v int32) Version { return Version{constrained: true, allowed: []int32{v}} }

// OneOf accepts any of vs (an If-Match list); with none it accepts nothing.
func OneOf(vs ...int32) Version {
	return Version{constrained: true, allowed: slices.Clone(vs)}
}

// Never accepts no version: an expectation that names no version, or two
// that contradict each other.
var Never = Version{constrained: true}

// And is the expectation that both e and o hold.
func (e Version) And(o Version) Version {
	switch {
	case !e.constrained:
		return o
	case !o.constrained:
		return e
	}
	var both []int32
	for _, v := range e.allowed {
		if slices.Contains(o.allowed, v) {
			both = append(both, v)
		}
	}
	return Version{constrained: true, allowed: both}
}

// IsAny reports whether every version passes.
func (e Version) IsAny() bool { return !e.constrained }

// Check answers apperr.ErrStale (412) unless current is acceptable. Call it
// on the version of the row the write has locked.
func (e Version) Check(current int32) error {
	if e.constrained && !slices.Contains(e.allowed, current) {
		return apperr.ErrStale
	}
	return nil
}
