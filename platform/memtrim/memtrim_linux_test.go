//go:build linux

package memtrim

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// rssFile is the process's resident file-backed memory in KiB.
func rssFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "RssFile:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseCode: the executable's read-only pages go back to the kernel
// and the program goes on running.
func TestReleaseCode(t *testing.T) {
	before := rssFile(t)
	n, err := ReleaseCode()
	if err != nil {
		t.Fatal(err)
	}
	after := rssFile(t)
	t.Logf("released %d bytes of mappings; file-backed RSS %d KiB → %d KiB", n, before, after)
	if n == 0 {
		t.Fatal("no mapping of the executable found")
	}
	if after >= before {
		t.Fatalf("file-backed RSS did not shrink: %d KiB → %d KiB", before, after)
	}
}
