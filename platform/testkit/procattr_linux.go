package testkit

import "syscall"

// dieWithParent makes a child process get SIGKILL when the test binary
// dies, so a crashed or timed-out test leaves no server behind.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
