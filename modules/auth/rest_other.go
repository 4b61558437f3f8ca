//go:build !linux

package auth

import "time"

// restThread sleeps for d (coarser than on Linux, where it uses nanosleep;
// production runs on Linux).
func restThread(d time.Duration) { time.Sleep(d) }
