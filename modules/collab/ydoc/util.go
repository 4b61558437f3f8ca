package ydoc

import (
	"strconv"
	"unicode/utf16"
)

func itoa(i int) string { return strconv.Itoa(i) }

func atoi(s string) int {
	i, _ := strconv.Atoi(s)
	return i
}

func utf16Units(s string) []uint16 { return utf16.Encode([]rune(s)) }

// unitString is a one-unit JavaScript string; a lone surrogate prints as
// U+FFFD.
func unitString(u uint16) string { return string(utf16.Decode([]uint16{u})) }
