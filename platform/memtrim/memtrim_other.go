//go:build !linux

package memtrim

// ReleaseCode does nothing outside Linux.
func ReleaseCode() (int, error) { return 0, nil }
