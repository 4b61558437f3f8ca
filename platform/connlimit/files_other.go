//go:build !unix

package connlimit

// FileLimit reports no limit where there is no RLIMIT_NOFILE.
func FileLimit() (uint64, bool) { return 0, false }
