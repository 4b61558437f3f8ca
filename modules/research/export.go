package research

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/thebrain/thebrain/modules/research/internal/store"
)

// exportFile is a bibliography in one of the export formats.
type exportFile struct {
	body        []byte
	contentType string
	ext         string // the file name's extension
}

// export writes cs as BibTeX ("bibtex") or CSL-JSON ("csl-json").
func export(format string, cs []store.Citation) (exportFile, error) {
	if format == "bibtex" {
		return exportFile{exportBibTeX(cs), "application/x-bibtex; charset=utf-8", "bib"}, nil
	}
	body, err := exportCSL(cs)
	if err != nil {
		return exportFile{}, err
	}
	return exportFile{body, "application/vnd.citationstyles.csl+json", "json"}, nil
}

// citeKeys gives each citation a key like smith2020, adding a, b, … when
// two would collide. Keys depend only on the citations and their order.
func citeKeys(cs []store.Citation) []string {
	keys := make([]string, len(cs))
	used := map[string]int{}
	taken := map[string]bool{}
	for i, c := range cs {
		base := keyWord(c)
		if c.Year != nil {
			base += strconv.Itoa(int(*c.Year))
		} else {
			base += "nd"
		}
		key := base
		for n := used[base]; taken[key]; n++ {
			key = base + suffix(n)
			used[base] = n + 1
		}
		taken[key] = true
		keys[i] = key
	}
	return keys
}

// suffix returns a, b, …, z, aa, ab, … for n = 0, 1, …
func suffix(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		n = n/26 - 1
		if n < 0 {
			return s
		}
	}
}

// keyWord is the first author's family name, or the title's first word,
// folded to lowercase ASCII letters and digits.
func keyWord(c store.Citation) string {
	src := ""
	if len(c.Authors) > 0 {
		src, _ = splitName(c.Authors[0])
	}
	if src == "" {
		src = c.Title
	}
	var b strings.Builder
	for _, r := range norm.NFKD.String(src) {
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r) && b.Len() > 0 && len(c.Authors) == 0:
			return b.String() // first word of the title
		}
	}
	if b.Len() == 0 {
		return "ref"
	}
	return b.String()
}

// splitName reads "Family, Given" exactly and "Given Family" by taking the
// last word as the family name.
func splitName(a string) (family, given string) {
	if f, g, ok := strings.Cut(a, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(g)
	}
	if i := strings.LastIndexByte(a, ' '); i > 0 {
		return a[i+1:], a[:i]
	}
	return a, ""
}

var bibTypes = map[string]string{
	"book": "book", "article": "article", "chapter": "incollection", "website": "misc",
	"thesis": "phdthesis", "report": "techreport", "conference": "inproceedings", "other": "misc",
}

// bibPublisherField is where each type's publisher goes in BibTeX.
var bibPublisherField = map[string]string{
	"article": "journal", "thesis": "school", "report": "institution", "conference": "booktitle",
}

var bibEscaper = strings.NewReplacer(
	`\`, `\textbackslash{}`, `{`, `\{`, `}`, `\}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`,
)

var urlBraces = strings.NewReplacer("{", "%7B", "}", "%7D")

// bibEscape makes s safe inside a braced BibTeX value: LaTeX specials are
// escaped, and line breaks become spaces.
func bibEscape(s string) string {
	return bibEscaper.Replace(strings.Join(strings.Fields(s), " "))
}

func exportBibTeX(cs []store.Citation) []byte {
	var b bytes.Buffer
	keys := citeKeys(cs)
	for i, c := range cs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "@%s{%s,\n", bibTypes[c.Type], keys[i])
		field := func(name, value string) {
			if value != "" {
				fmt.Fprintf(&b, "  %s = {%s},\n", name, bibEscape(value))
			}
		}
		authors := make([]string, len(c.Authors))
		for j, a := range c.Authors {
			family, given := splitName(a)
			authors[j] = family
			if given != "" {
				authors[j] = family + ", " + given
			}
		}
		field("author", strings.Join(authors, " and "))
		field("title", c.Title)
		if c.Year != nil {
			field("year", strconv.Itoa(int(*c.Year)))
		}
		pub := "publisher"
		if f, ok := bibPublisherField[c.Type]; ok {
			pub = f
		}
		field(pub, c.Publisher)
		field("pages", strings.ReplaceAll(c.Pages, "-", "--"))
		// url and doi are read verbatim by BibTeX tools: escaping would
		// corrupt them, so only braces (which would end the value) change.
		verbatim := func(name, value string) {
			if value != "" {
				fmt.Fprintf(&b, "  %s = {%s},\n", name, urlBraces.Replace(value))
			}
		}
		verbatim("doi", c.Doi)
		field("isbn", c.Isbn)
		verbatim("url", c.Url)
		field("note", c.Notes)
		b.WriteString("}\n")
	}
	return b.Bytes()
}

var cslTypes = map[string]string{
	"book": "book", "article": "article-journal", "chapter": "chapter", "website": "webpage",
	"thesis": "thesis", "report": "report", "conference": "paper-conference", "other": "document",
}

// cslPublisherField is where each type's publisher goes in CSL-JSON.
var cslPublisherField = map[string]string{"article": "container-title", "conference": "container-title"}

type cslName struct {
	Family string `json:"family"`
	Given  string `json:"given,omitempty"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts"`
}

func exportCSL(cs []store.Citation) ([]byte, error) {
	keys := citeKeys(cs)
	items := make([]map[string]any, len(cs))
	for i, c := range cs {
		it := map[string]any{"id": keys[i], "type": cslTypes[c.Type], "title": c.Title}
		if len(c.Authors) > 0 {
			names := make([]cslName, len(c.Authors))
			for j, a := range c.Authors {
				names[j].Family, names[j].Given = splitName(a)
			}
			it["author"] = names
		}
		if c.Year != nil {
			it["issued"] = cslDate{DateParts: [][]int{{int(*c.Year)}}}
		}
		set := func(k, v string) {
			if v != "" {
				it[k] = v
			}
		}
		pub := "publisher"
		if f, ok := cslPublisherField[c.Type]; ok {
			pub = f
		}
		set(pub, c.Publisher)
		set("page", c.Pages)
		set("DOI", c.Doi)
		set("ISBN", c.Isbn)
		set("URL", c.Url)
		set("note", c.Notes)
		items[i] = it
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(items); err != nil {
		return nil, fmt.Errorf("encode CSL-JSON: %w", err)
	}
	return b.Bytes(), nil
}
