package ai

import (
	"embed"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/thebrain/thebrain/platform/material"
)

// The prompt templates are files under prompts/, embedded in the binary.
// Each starts with a comment naming its id and version,
//
//	{{/* id: rewrite version: 1 */}}
//
// and defines "system" and "user". Bump the version whenever the rendered
// text changes: it is recorded with every call (ai_requests) and is part of
// the cache key. The golden tests (prompts_test.go) show each change.
//
//go:embed prompts/*.tmpl
var promptFiles embed.FS

// prompt is one parsed template.
type prompt struct {
	ID      string
	Version int
	t       *template.Template
}

// promptData is what the templates see. Author material goes through the
// data function, which fences it in a <data> block the text cannot close.
type promptData struct {
	Context     bookContext
	Passage     string
	Surrounding string
	Bullets     []string
	// Rewrite.
	Instruction string
	Variants    int
	// Summarize.
	LengthInstruction string
	ChapterTitle      string
	// Draft.
	Topic, Purpose, Style string
	Beat                  string
	BeatIndex, BeatCount  int
	DraftSoFar            string
	// Consistency.
	ChapterID          string
	Problems, Previous string
}

var promptMeta = regexp.MustCompile(`^\{\{/\*\s*id:\s*([a-z_]+)\s+version:\s*([0-9]+)\s*\*/\}\}`)

// dataTag matches what could open or close a data block inside author text.
var dataTag = regexp.MustCompile(`(?i)<(/?)\s*data\b`)

// fence puts author text in a data block. Anything in it that looks like
// the block's own tag is defused (its "<" becomes "‹"), so the text can
// neither end the block early nor open one of its own.
func fence(kind, text string) string {
	text = dataTag.ReplaceAllString(text, "‹${1}data")
	return `<data kind="` + kind + `">` + "\n" + strings.TrimSpace(text) + "\n</data>"
}

var promptFuncs = template.FuncMap{
	"data": fence,
	"bullets": func(bs []string) string {
		var b strings.Builder
		for _, s := range bs {
			b.WriteString("- " + strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") + "\n")
		}
		return b.String()
	},
	"note": func(n material.Note) string {
		s := "Title: " + n.Title
		if len(n.Tags) > 0 {
			s += "\nTags: " + strings.Join(n.Tags, ", ")
		}
		return s + "\n" + n.Body
	},
	"brief": func(d promptData) string {
		s := "Topic: " + d.Topic
		if d.Purpose != "" {
			s += "\nPurpose: " + d.Purpose
		}
		if d.Style != "" {
			s += "\nStyle: " + d.Style
		}
		return s
	},
}

// prompts are the templates by id, parsed once.
var prompts = loadPrompts()

func loadPrompts() map[string]*prompt {
	rules, err := promptFiles.ReadFile("prompts/_rules.tmpl")
	if err != nil {
		panic(err)
	}
	entries, err := promptFiles.ReadDir("prompts")
	if err != nil {
		panic(err)
	}
	out := map[string]*prompt{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "_") {
			continue
		}
		raw, err := promptFiles.ReadFile(path.Join("prompts", name))
		if err != nil {
			panic(err)
		}
		m := promptMeta.FindSubmatch(raw)
		if m == nil {
			panic(fmt.Sprintf("ai: prompts/%s does not start with {{/* id: … version: … */}}", name))
		}
		id, version := string(m[1]), 0
		version, _ = strconv.Atoi(string(m[2]))
		if id+".tmpl" != name || version < 1 {
			panic(fmt.Sprintf("ai: prompts/%s: id %q, version %d", name, id, version))
		}
		t := template.Must(template.New(id).Funcs(promptFuncs).Option("missingkey=error").Parse(string(rules)))
		template.Must(t.Parse(string(raw)))
		out[id] = &prompt{ID: id, Version: version, t: t}
	}
	return out
}

// promptFor returns the template id; a missing one is a programming error.
func promptFor(id string) *prompt {
	p, ok := prompts[id]
	if !ok {
		panic("ai: no prompt template " + id)
	}
	return p
}

// render executes the template's system and user parts.
func (p *prompt) render(d promptData) (system, user string, err error) {
	var sb, ub strings.Builder
	if err := p.t.ExecuteTemplate(&sb, "system", d); err != nil {
		return "", "", fmt.Errorf("render %s system: %w", p.ID, err)
	}
	if err := p.t.ExecuteTemplate(&ub, "user", d); err != nil {
		return "", "", fmt.Errorf("render %s user: %w", p.ID, err)
	}
	return strings.TrimSpace(sb.String()), strings.TrimSpace(ub.String()), nil
}
