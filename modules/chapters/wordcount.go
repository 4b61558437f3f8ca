package chapters

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Markdown syntax that holds text an author does not count: link and image
// targets, reference definitions, autolinks, HTML tags and entities.
var (
	reImageOrLink = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	reRefLink     = regexp.MustCompile(`\[([^\]]*)\]\[[^\]]*\]`)
	reRefDef      = regexp.MustCompile(`(?m)^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+.*$`)
	reAutolink    = regexp.MustCompile(`<(?:https?|mailto|ftp):[^>\s]*>`)
	reBareURL     = regexp.MustCompile(`\b(?:https?|ftp)://\S+`)
	reHTMLTag     = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--[\s\S]*?-->`)
	reEntity      = regexp.MustCompile(`&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);`)
)

// stripMarkdown removes the syntax whose characters would otherwise be
// counted as words. Emphasis, heading and list markers need no stripping:
// they are punctuation, which never counts.
func stripMarkdown(s string) string {
	s = reImageOrLink.ReplaceAllString(s, " $1 ")
	s = reRefLink.ReplaceAllString(s, " $1 ")
	s = reRefDef.ReplaceAllString(s, " ")
	s = reAutolink.ReplaceAllString(s, " ")
	s = reBareURL.ReplaceAllString(s, " ")
	s = reHTMLTag.ReplaceAllString(s, " ")
	return reEntity.ReplaceAllString(s, " ")
}

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
//   - Markdown syntax (link and image targets, URLs, HTML tags) is ignored.
//
// Scripts written without spaces and without a per-character convention
// (Thai, Lao, Khmer, Burmese) count one word per space-separated run; a
// dictionary segmenter would be needed to do better.
func CountWords(markdown string) int {
	s := stripMarkdown(markdown)
	n := 0
	inWord := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
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
		i += size
	}
	return n
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		r == 'ー' // the prolonged sound mark lengthens the kana before it
}

func isWordRune(r rune) bool {
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
