package auth

import "syscall"

// lowerThreadPriority makes the calling OS thread yield the CPU to the rest
// of the process: Linux applies nice values per thread. Best effort; an
// error leaves the thread at normal priority.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), hashNice)
}
