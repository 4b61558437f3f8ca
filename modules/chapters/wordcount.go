package chapters

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CountWords counts words in Markdown text the way an author expects:
//   - a word is a run of letters, digits and combining marks, so accented
//     Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul and other
//     space-separated scripts count one word per run;
//   - an apostrophe or hyphen between letters joins ("l'homme",
//     "peut-être", "don't" are one word each), as do "." and "," between
//     digits ("3.14", "1,000");
//   - each Han, Hiragana or Katakana character counts as one word, since
//     Chinese and Japanese are written without spaces;
//   - punctuation, symbols and emoji are not words;
//   - Markdown syntax is ignored: link and image targets, reference
//     definitions, bare URLs, HTML tags and comments, and character
//     entities. Emphasis, heading, list and quote markers are punctuation
//     already.
//
// Scripts written without spaces and without a per-character convention
// (Thai, Lao, Khmer, Burmese) count one word per space-separated run; a
// dictionary segmenter would be needed to do better.
//
// It is one pass over the text with no allocation, so the largest chapter
// costs milliseconds.
func CountWords(s string) int {
	n := 0
	inWord := false
	lineStart := true
	for i := 0; i < len(s); {
		c := s[i]
		// Markdown constructs whose text is not prose, skipped whole.
		if skip := markup(s, i, lineStart, inWord); skip > 0 {
			i += skip
			inWord = false
			lineStart = false
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case isCJK(r):
			n++
			inWord = false
		case isWordRune(r):
			if !inWord {
				n++
				inWord = true
			}
		case inWord && isJoiner(r, s[i+size:], s[:i]):
			// stays in the word
		default:
			inWord = false
		}
		lineStart = c == '\n' || (lineStart && (c == ' ' || c == '\t'))
		i += size
	}
	return n
}

// maxMarkup bounds how far a construct may reach, so an unclosed "<" or
// "](" in prose never swallows the rest of the chapter.
const maxMarkup = 2048

// markup returns how many bytes at s[i] belong to a construct that holds no
// prose, or 0.
func markup(s string, i int, lineStart, inWord bool) int {
	switch s[i] {
	case ']':
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "("): // [text](target): keep text, skip target
			return 1 + closing(rest, ')', false)
		case strings.HasPrefix(rest, "["): // [text][ref]
			return 1 + closing(rest, ']', false)
		}
	case '[':
		// [ref]: url — a reference definition at the start of a line.
		if lineStart {
			if j := strings.IndexByte(s[i:min(len(s), i+maxMarkup)], ']'); j > 0 && strings.HasPrefix(s[i+j+1:], ":") {
				if end := strings.IndexByte(s[i:], '\n'); end >= 0 {
					return end
				}
				return len(s) - i
			}
		}
	case '<':
		// An autolink, an HTML tag or comment; "a < b" in prose is neither.
		if i+1 < len(s) {
			next := s[i+1]
			if isASCIILetter(next) || next == '/' || next == '!' {
				if w := closing(s[i:], '>', true); w > 0 {
					return w
				}
			}
		}
	case '&':
		// A character entity such as &nbsp; or &#8212;.
		for j := i + 1; j < len(s) && j-i <= 32; j++ {
			c := s[j]
			if c == ';' {
				if j > i+1 {
					return j - i + 1
				}
				break
			}
			if !(isASCIILetter(c) || c >= '0' && c <= '9' || c == '#') {
				break
			}
		}
	case 'h', 'H', 'f', 'F', 'w', 'W':
		// A bare URL, at the start of a word.
		if !inWord && isURLStart(s[i:]) {
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' && s[j] != '\r' {
				j++
			}
			return j - i
		}
	}
	return 0
}

// closing returns the length of s up to and including the first close
// byte (s[0] is the opener), or 0 when there is none within maxMarkup or,
// unless multiline, before the end of the line.
func closing(s string, close byte, multiline bool) int {
	for j := 1; j < len(s) && j < maxMarkup; j++ {
		switch s[j] {
		case close:
			return j + 1
		case '\n':
			if !multiline {
				return 0
			}
		}
	}
	return 0
}

func isURLStart(s string) bool {
	for _, p := range []string{"http://", "https://", "ftp://", "www."} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		r == 'ー' // the prolonged sound mark lengthens the kana before it
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetter(byte(r)) || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || unicode.Is(unicode.No, r)
}

// isJoiner reports whether r, inside a word, continues it: an apostrophe or
// hyphen followed by a letter, or a decimal/thousands separator between
// digits.
func isJoiner(r rune, rest, before string) bool {
	next, _ := utf8.DecodeRuneInString(rest)
	switch r {
	case '\'', '’', 'ʼ', '-', '‐', '‑':
		return unicode.IsLetter(next) && !isCJK(next)
	case '.', ',':
		prev, _ := utf8.DecodeLastRuneInString(before)
		return unicode.IsDigit(prev) && unicode.IsDigit(next)
	}
	return false
}

// normalizeTitle trims a title; titles are stored as the author typed them
// otherwise.
func normalizeTitle(s string) string { return strings.TrimSpace(s) }
