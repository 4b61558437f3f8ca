package prosemirror

import (
	"testing"
	"unicode"
)

// lettersWithinPlain is lettersWithin by its definition: the letters of
// want, in order, are a subsequence of got's.
func lettersWithinPlain(want, got string) bool {
	var g []rune
	for _, c := range got {
		if unicode.IsLetter(c) {
			g = append(g, c)
		}
	}
	j := 0
	for _, c := range want {
		if !unicode.IsLetter(c) {
			continue
		}
		for j < len(g) && g[j] != c {
			j++
		}
		if j == len(g) {
			return false
		}
		j++
	}
	return true
}

func TestLettersWithin(t *testing.T) {
	cases := [][2]string{
		{"", ""}, {"abc", "abc"}, {"abc", "a*b*c"}, {"abc", "ab"}, {"a b", "ab"}, {"ab", "ba"},
		{"été", "été"}, {"été", "ét"}, {"éa", "èa"}, {"中文x", "中 文 x"}, {"中文", "中"},
		{"x\xffy", "xy"}, {"xé", "xè"}, {"aé", "a\u00e9"}, {"ab[c]", "ab\\[c\\]"}, {"1. a", "1\\. a"},
		{"abcé", "abcè"}, {"ééé", "éé"}, {"ref label", "label"}, {"\xc3é", "é"},
	}
	for _, c := range cases {
		if got, want := lettersWithin(c[0], c[1]), lettersWithinPlain(c[0], c[1]); got != want {
			t.Errorf("lettersWithin(%q, %q) = %v, want %v", c[0], c[1], got, want)
		}
	}
}

func FuzzLettersWithin(f *testing.F) {
	f.Add("abc", "a*b*c")
	f.Add("été", "ét")
	f.Fuzz(func(t *testing.T, want, got string) {
		if a, b := lettersWithin(want, got), lettersWithinPlain(want, got); a != b {
			t.Fatalf("lettersWithin(%q, %q) = %v, want %v", want, got, a, b)
		}
	})
}
