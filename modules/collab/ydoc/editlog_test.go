package ydoc_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// editLog generates the keystroke log of editlog.mjs (n updates) and
// returns the updates and yjs's own timing for applying them.
func editLog(tb testing.TB, n string) ([][]byte, float64, string) {
	tb.Helper()
	requireNode(tb)
	out := filepath.Join(tb.TempDir(), "editlog.bin")
	cmd := exec.Command("node", "editlog.mjs", "--updates", n, "--out", out, "--time")
	cmd.Dir = nodeDir
	abs, _ := filepath.Abs(out)
	cmd.Args[5] = abs
	res, err := cmd.Output()
	if err != nil {
		tb.Fatalf("editlog.mjs: %v", err)
	}
	var timing struct {
		MS    float64 `json:"ms"`
		Chars int     `json:"chars"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(res), &timing); err != nil {
		tb.Fatalf("editlog.mjs output %q: %v", res, err)
	}
	raw, err := os.ReadFile(abs)
	if err != nil {
		tb.Fatal(err)
	}
	var updates [][]byte
	for len(raw) > 0 {
		var l, shift uint64
		i := 0
		for {
			c := raw[i]
			l |= uint64(c&0x7f) << shift
			i++
			if c < 0x80 {
				break
			}
			shift += 7
		}
		updates = append(updates, raw[i:i+int(l)])
		raw = raw[i+int(l):]
	}
	return updates, timing.MS, strings.TrimSpace(string(res))
}

// TestEditLog integrates a 37,000-keystroke editing log and checks that Go
// is not slower than yjs on the same log (with a margin for a shared
// machine), and that the result matches its own re-encoding.
func TestEditLog(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 37k-update log with Node")
	}
	updates, jsMS, _ := editLog(t, "37000")
	start := time.Now()
	d := ydoc.New(1)
	frag := d.XmlFragment("prosemirror")
	for i, u := range updates {
		if err := d.ApplyUpdate(u); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	goMS := float64(time.Since(start).Microseconds()) / 1000
	t.Logf("%d updates: Go %.0f ms, yjs %.0f ms; %d characters of XML", len(updates), goMS, jsMS, len(frag.String()))
	if !raceEnabled && goMS > 3*jsMS+500 {
		t.Errorf("integration is far slower than yjs: Go %.0f ms, yjs %.0f ms", goMS, jsMS)
	}
	state, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := ydoc.New(2)
	if err := e.ApplyUpdate(state); err != nil {
		t.Fatal(err)
	}
	if e.XmlFragment("prosemirror").String() != frag.String() {
		t.Error("re-encoded state differs")
	}
}
