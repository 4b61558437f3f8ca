package prosemirror

// WhyVerbatim names the Markdown node kinds that made blocks verbatim.
func WhyVerbatim(markdown string) []string {
	src := normalizeSource(markdown)
	root := md.Parser().Parse(textReader(src))
	var out []string
	for c := root.FirstChild(); c != nil; c = c.NextSibling() {
		p := &mdParser{src: src}
		if _, ok := p.block(c); !ok {
			out = append(out, p.why)
		}
	}
	return out
}
