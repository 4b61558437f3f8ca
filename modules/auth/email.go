package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var (
	emailFold   = cases.Fold()
	idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.StrictDomainName(true))
)

// canonicalEmail returns the address as typed (trimmed) and its canonical
// form, which identifies the account: NFKC, case-folded local part, IDNA
// (punycode) domain. No provider-specific folding (dots, +tags): the same
// mailbox may be registered twice only by a user who owns both spellings.
// problem is "" when the address is acceptable.
func canonicalEmail(raw string) (typed, canonical, problem string) {
	typed = strings.TrimSpace(raw)
	switch {
	case typed == "":
		return "", "", "must not be empty"
	case utf8.RuneCountInString(typed) > maxEmailChars:
		return "", "", "must be at most 254 characters"
	}
	for _, r := range typed {
		if invisible(r) {
			return "", "", "must not contain control, invisible or direction-changing characters"
		}
		if unicode.IsSpace(r) {
			return "", "", "must not contain spaces"
		}
	}
	n := norm.NFKC.String(typed)
	at := strings.LastIndexByte(n, '@')
	if at <= 0 || at == len(n)-1 {
		return "", "", "must be an email address such as ada@example.com"
	}
	local, domain := n[:at], n[at+1:]
	if len(local) > 64 || strings.ContainsAny(local, "@\"(),:;<>[]\\") || strings.HasPrefix(local, ".") ||
		strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", "", "must be an email address such as ada@example.com"
	}
	ascii, err := idnaProfile.ToASCII(domain)
	if err != nil || !strings.Contains(ascii, ".") || len(ascii) > 253 {
		return "", "", "must have a valid domain"
	}
	local = norm.NFKC.String(emailFold.String(local))
	canonical = local + "@" + strings.ToLower(ascii)
	if utf8.RuneCountInString(canonical) > maxEmailChars {
		return "", "", "must be at most 254 characters"
	}
	return typed, canonical, ""
}

// invisible reports runes that make two addresses look alike or reorder
// what is shown: controls, format characters (zero-width, bidi embeddings
// and isolates, BOM), line separators, variation selectors and the other
// default-ignorable code points.
func invisible(r rune) bool {
	switch {
	case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5, r == 0x3164, r == 0xFFA0: // other default-ignorables
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}

// hasControl reports control characters (allowed nowhere in auth input).
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}
