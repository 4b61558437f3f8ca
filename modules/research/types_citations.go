package research

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
)

type citationResponse struct {
	ID        uuid.UUID `json:"id"`
	ProjectID uuid.UUID `json:"project_id"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Authors   []string  `json:"authors"`
	Year      *int32    `json:"year"`
	Publisher string    `json:"publisher"`
	URL       string    `json:"url"`
	DOI       string    `json:"doi"`
	ISBN      string    `json:"isbn"`
	Pages     string    `json:"pages"`
	Notes     string    `json:"notes"`
	Version   int32     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toCitationResponse(c store.Citation) citationResponse {
	authors := c.Authors
	if authors == nil {
		authors = []string{}
	}
	return citationResponse{
		ID: c.ID, ProjectID: c.ProjectID, Type: c.Type, Title: c.Title, Authors: authors, Year: c.Year,
		Publisher: c.Publisher, URL: c.Url, DOI: c.Doi, ISBN: c.Isbn, Pages: c.Pages, Notes: c.Notes,
		Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

// citationRequest is the body of POST and PUT (which replace every field;
// absent optional fields are cleared, type defaults to book) and of PATCH
// (which changes the fields it names; null clears year). Its fields are
// validated by the service once merged with the citation they change.
type citationRequest struct {
	Type      *string         `json:"type"`
	Title     *string         `json:"title"`
	Authors   []string        `json:"authors"`
	Year      nullable[int32] `json:"year"`
	Publisher *string         `json:"publisher"`
	URL       *string         `json:"url"`
	DOI       *string         `json:"doi"`
	ISBN      *string         `json:"isbn"`
	Pages     *string         `json:"pages"`
	Notes     *string         `json:"notes"`
	Version   *int32          `json:"version"`
}

// change is the request as a citation change. versioned says whether the
// body's version counts (PUT and PATCH); POST ignores it.
func (r *citationRequest) change(versioned bool) citationChange {
	return citationChange{
		Type: r.Type, Title: r.Title, Authors: r.Authors, Year: r.Year, Publisher: r.Publisher,
		URL: r.URL, DOI: r.DOI, ISBN: r.ISBN, Pages: r.Pages, Notes: r.Notes,
		badVersion: versioned && r.Version != nil && *r.Version < 1,
	}
}

// citationChange is a citation write as the client sent it: the fields it
// names (nil: not named). It is validated only once merged with the
// citation it changes (fields), so a PATCH is judged by its result;
// badVersion carries the one problem of the request itself, a body version
// below 1, to be reported together with the fields' problems.
type citationChange struct {
	Type       *string
	Title      *string
	Authors    []string
	Year       nullable[int32]
	Publisher  *string
	URL        *string
	DOI        *string
	ISBN       *string
	Pages      *string
	Notes      *string
	badVersion bool
}

// fields overlays the change on base (the stored citation for PATCH, a
// bare book otherwise), normalizes the result and reports every problem.
func (c citationChange) fields(base citationFields) (citationFields, error) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&base.Type, c.Type)
	set(&base.Title, c.Title)
	set(&base.Publisher, c.Publisher)
	set(&base.URL, c.URL)
	set(&base.DOI, c.DOI)
	set(&base.ISBN, c.ISBN)
	set(&base.Pages, c.Pages)
	set(&base.Notes, c.Notes)
	if c.Authors != nil {
		base.Authors = append([]string(nil), c.Authors...)
	}
	if c.Year.Set {
		base.Year = c.Year.Value
	}
	if base.Authors == nil {
		base.Authors = []string{}
	}
	p := map[string]string{}
	base.validate(p)
	if c.badVersion {
		p["version"] = "must be 1 or more"
	}
	return base, apperr.Validation(p)
}

// citationFields are a citation's writable values.
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

func fieldsOf(c store.Citation) citationFields {
	return citationFields{
		Type: c.Type, Title: c.Title, Authors: c.Authors, Year: c.Year, Publisher: c.Publisher,
		URL: c.Url, DOI: c.Doi, ISBN: c.Isbn, Pages: c.Pages, Notes: c.Notes,
	}
}

// Citation types as stored; export maps them to BibTeX and CSL types.
var citationTypes = []string{"book", "article", "chapter", "website", "thesis", "report", "conference", "other"}

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
