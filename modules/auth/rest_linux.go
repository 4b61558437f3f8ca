package auth

import (
	"syscall"
	"time"
)

// restThread takes the calling thread off the CPU for d. Unlike
// time.Sleep, whose wake-up here comes about a millisecond late (the
// runtime's poller waits in whole milliseconds), nanosleep wakes within
// the kernel's timer slack (~50 µs), so a hash can rest for a fraction of a
// millisecond at a time. The runtime hands the thread's P to other
// goroutines while it sleeps, as for any blocking system call.
func restThread(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
