//go:build unix

package connlimit

import "syscall"

// FileLimit returns the process's limit on open files (the soft
// RLIMIT_NOFILE, which the Go runtime raises to the hard limit at start-up)
// and whether there is one. RLIM_INFINITY, whose value differs between
// systems, and anything past 2^31 count as none.
func FileLimit() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || uint64(rl.Cur) > 1<<31 {
		return 0, false
	}
	return uint64(rl.Cur), true
}
