package auth

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = struct{}{}
		}
	}
	return m
}()

// normalizePassword applies NFKC (NIST 800-63B 5.1.1.2) so the same
// password typed on two keyboards hashes the same. It is used on every path
// that hashes or verifies.
func normalizePassword(pw string) string { return norm.NFKC.String(pw) }

// passwordProblem returns why pw may not be chosen by the owner of the
// canonical email, or "" when it is acceptable. bcryptLimit is set when new
// hashes are bcrypt, which cannot take more than 72 bytes.
func passwordProblem(pw, canonical string, bcryptLimit bool) string {
	if !utf8.ValidString(pw) || hasControl(pw) {
		return "must not contain control characters"
	}
	pw = normalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case n < minPasswordChars:
		return "must be at least 12 characters"
	case n > maxPasswordChars:
		return "must be at most 128 characters"
	case bcryptLimit && len(pw) > bcryptMaxBytes:
		return "must be at most 72 bytes"
	}
	lower := strings.ToLower(pw)
	if _, ok := commonPasswords[lower]; ok {
		return "is too common; choose a less predictable password"
	}
	if local, _, ok := strings.Cut(canonical, "@"); ok && utf8.RuneCountInString(local) >= 3 && strings.Contains(lower, local) {
		return "must not contain your email address"
	}
	if strings.Contains(lower, "thebrain") {
		return "must not contain the name of this service"
	}
	return ""
}
