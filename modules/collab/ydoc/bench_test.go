package ydoc_test

import (
	"testing"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// BenchmarkEditLog integrates the 37,000-keystroke log of editlog.mjs.
func BenchmarkEditLog(b *testing.B) {
	updates, _, _ := editLog(b, "37000")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := ydoc.New(1)
		d.XmlFragment("prosemirror")
		for _, u := range updates {
			if err := d.ApplyUpdate(u); err != nil {
				b.Fatal(err)
			}
		}
	}
}
