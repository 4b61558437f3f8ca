package ydoc

import (
	"testing"
	"unicode/utf16"
)

func TestSplitUTF16Quick(t *testing.T) {
	for _, s := range []string{"", "abc", "aé😀b", "😀😀", "éé€x"} {
		u := utf16.Encode([]rune(s))
		for k := 0; k <= len(u); k++ {
			l, r := splitUTF16String(s, uint64(k))
			if utf16Len(l) != uint64(k) || utf16Len(r) != uint64(len(u)-k) {
				t.Errorf("%q at %d: %q %q", s, k, l, r)
			}
		}
	}
}
