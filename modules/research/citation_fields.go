package research

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Citation types as stored; export maps them to BibTeX and CSL types.
var citationTypes = []string{"book", "article", "chapter", "website", "thesis", "report", "conference", "other"}

// reDOI is the DOI syntax: the 10. directory prefix, a registrant code and a
// non-empty suffix.
var reDOI = regexp.MustCompile(`^10\.\d{4,9}/[^\s\x00-\x1f\x7f]+$`)

// normalizeDOI strips the resolver prefixes people paste along with a DOI.
func normalizeDOI(s string) string {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"} {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			return strings.TrimSpace(s[len(prefix):])
		}
	}
	return s
}

// normalizeISBN removes hyphens and spaces and upper-cases a final x.
func normalizeISBN(s string) string {
	s = strings.NewReplacer("-", "", " ", "", "‐", "").Replace(strings.TrimSpace(s))
	return strings.ToUpper(s)
}

// validISBN checks the ISBN-10 or ISBN-13 check digit of a normalized ISBN.
func validISBN(s string) bool {
	switch len(s) {
	case 10:
		sum := 0
		for i := 0; i < 10; i++ {
			c := s[i]
			var d int
			switch {
			case c >= '0' && c <= '9':
				d = int(c - '0')
			case c == 'X' && i == 9:
				d = 10
			default:
				return false
			}
			sum += d * (10 - i)
		}
		return sum%11 == 0
	case 13:
		if !strings.HasPrefix(s, "978") && !strings.HasPrefix(s, "979") {
			return false
		}
		sum := 0
		for i := 0; i < 13; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return false
			}
			w := 1
			if i%2 == 1 {
				w = 3
			}
			sum += int(c-'0') * w
		}
		return sum%10 == 0
	}
	return false
}

// citationFields are a citation's writable values after validation.
type citationFields struct {
	Type      string
	Title     string
	Authors   []string
	Year      *int32
	Publisher string
	URL       string
	DOI       string
	ISBN      string
	Pages     string
	Notes     string
}

// validate normalizes f in place and records every problem.
func (f *citationFields) validate(p map[string]string) {
	if !slices.Contains(citationTypes, f.Type) {
		p["type"] = "must be one of " + strings.Join(citationTypes, ", ")
	}
	f.Title = strings.TrimSpace(f.Title)
	checkText(p, "title", f.Title, 1, MaxCitationTitle)
	if len(f.Authors) > MaxAuthors {
		p["authors"] = fmt.Sprintf("at most %d authors", MaxAuthors)
	} else {
		for i, a := range f.Authors {
			f.Authors[i] = strings.Join(strings.Fields(a), " ")
			checkText(p, fmt.Sprintf("authors[%d]", i), f.Authors[i], 1, MaxAuthorName)
		}
	}
	if f.Year != nil && (*f.Year < -3000 || *f.Year > 9999 || *f.Year == 0) {
		p["year"] = "must be a year from -3000 to 9999 (negative for BCE, no year 0)"
	}
	f.Publisher = strings.TrimSpace(f.Publisher)
	checkText(p, "publisher", f.Publisher, 0, MaxPublisher)
	if f.URL = strings.TrimSpace(f.URL); f.URL != "" {
		checkURL(p, "url", f.URL, MaxSourceURL)
	}
	if f.DOI = normalizeDOI(f.DOI); f.DOI != "" && (len(f.DOI) > 200 || !reDOI.MatchString(f.DOI)) {
		p["doi"] = "must be a DOI such as 10.1000/xyz123"
	}
	if f.ISBN = normalizeISBN(f.ISBN); f.ISBN != "" && !validISBN(f.ISBN) {
		p["isbn"] = "must be a valid ISBN-10 or ISBN-13 (the check digit does not match)"
	}
	f.Pages = strings.TrimSpace(f.Pages)
	checkText(p, "pages", f.Pages, 0, MaxPages)
	checkText(p, "notes", f.Notes, 0, MaxCitationNotes)
}
