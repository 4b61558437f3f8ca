package research

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nullable is a JSON field that can be absent (Set false), null (Set true,
// Value nil) or a value, so PATCH can tell "leave as is" from "clear".
type nullable[T any] struct {
	Set   bool
	Value *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// normalizeTags lowercases, trims and de-duplicates tags, keeping their
// order, and reports every invalid one under "<field>[i]". It returns nil
// only after recording a problem, so once validation passes the result is
// non-nil and the queries never see a NULL tag array.
func normalizeTags(p map[string]string, field string, tags []string) []string {
	if len(tags) > MaxTags {
		p[field] = fmt.Sprintf("at most %d tags", MaxTags)
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for i, raw := range tags {
		t := strings.ToLower(strings.TrimSpace(raw))
		key := fmt.Sprintf("%s[%d]", field, i)
		switch n := utf8.RuneCountInString(t); {
		case n == 0:
			p[key] = "must not be empty"
			continue
		case n > MaxTagLength:
			p[key] = fmt.Sprintf("must be at most %d characters", MaxTagLength)
			continue
		case strings.IndexFunc(t, func(r rune) bool { return unicode.IsControl(r) || r == ',' }) >= 0:
			p[key] = "must not contain commas or control characters"
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// checkURL accepts an absolute http or https URL of at most max bytes.
func checkURL(p map[string]string, field, raw string, max int) {
	if len(raw) > max {
		p[field] = fmt.Sprintf("must be at most %d bytes", max)
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\r\n") {
		p[field] = "must be an absolute http or https URL"
	}
}

// checkText checks a trimmed single-purpose text field's length in
// characters and refuses NUL, which PostgreSQL cannot store.
func checkText(p map[string]string, field, s string, min, max int) {
	switch n := utf8.RuneCountInString(s); {
	case n < min && min == 1:
		p[field] = "must not be empty"
	case n > max:
		p[field] = fmt.Sprintf("must be at most %d characters", max)
	case strings.ContainsRune(s, 0):
		p[field] = "must not contain NUL characters"
	}
}
