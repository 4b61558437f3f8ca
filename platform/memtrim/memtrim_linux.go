//go:build linux

// Package memtrim hands back to the kernel the pages of the program's own
// code that only its start-up touched.
//
// Every package linked into the one binary runs its initialisers at start,
// and each first touch of the executable maps the page and its neighbours
// (the kernel's fault-around, or a whole huge page), so a long-running mode
// that uses a small part of the code (collab) keeps tens of MiB of it
// resident for nothing. ReleaseCode asks the kernel to page those mappings
// out (MADV_PAGEOUT, Linux 5.4+): they are clean file pages, so nothing is
// written, and whatever the process still runs is faulted back in from the
// page cache or the file on its next use.
package memtrim

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ReleaseCode pages out the read-only mappings of the running executable
// (code and read-only data) and reports how many bytes it asked for.
func ReleaseCode() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	total := 0
	s := bufio.NewScanner(f)
	for s.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(s.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// The raw call: the mapping is not Go memory, so no slice is made of it.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_PAGEOUT); errno != 0 {
			return total, fmt.Errorf("madvise %s: %w", fields[0], errno)
		}
		total += int(end - start)
	}
	return total, s.Err()
}
