//go:build !linux

package auth

// lowerThreadPriority is a no-op where threads have no nice value of their
// own; the pool bound still applies.
func lowerThreadPriority() {}
