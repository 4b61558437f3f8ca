package ai

import "strings"

// variantMark is the line that separates the versions of a creative
// rewrite in the model's answer (the prompt asks for it).
const variantMark = "<<<NEXT>>>"

// splitVariants cuts a whole answer into its versions, dropping empty ones.
func splitVariants(text string, want int) []string {
	if want <= 1 {
		return []string{strings.TrimSpace(text)}
	}
	var out []string
	for _, v := range strings.Split(text, variantMark) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// variantSplitter cuts a streamed answer into versions as it arrives: each
// piece of text goes to emit with the index of its version, the marks
// never do. Text that may be the start of a mark is held back until the
// next piece says.
type variantSplitter struct {
	split   bool
	index   int
	pending string
	emit    func(variant int, text string) error
	// fresh is true at the start of a version, whose leading blank lines
	// are dropped.
	fresh bool
}

func newVariantSplitter(variants int, emit func(int, string) error) *variantSplitter {
	return &variantSplitter{split: variants > 1, emit: emit, fresh: true}
}

func (v *variantSplitter) write(text string) error {
	if !v.split {
		return v.send(text)
	}
	v.pending += text
	for {
		i := strings.Index(v.pending, variantMark)
		if i < 0 {
			break
		}
		if err := v.send(strings.TrimRight(v.pending[:i], " \t\r\n")); err != nil {
			return err
		}
		v.pending = v.pending[i+len(variantMark):]
		v.index++
		v.fresh = true
	}
	// Keep back the longest tail that could begin a mark, and the blank
	// space before it, which belongs to no version if a mark follows.
	keep := 0
	for n := min(len(variantMark)-1, len(v.pending)); n > 0; n-- {
		if strings.HasPrefix(variantMark, v.pending[len(v.pending)-n:]) {
			keep = n
			break
		}
	}
	for keep < len(v.pending) && strings.IndexByte(" \t\r\n", v.pending[len(v.pending)-keep-1]) >= 0 {
		keep++
	}
	out := v.pending[:len(v.pending)-keep]
	v.pending = v.pending[len(v.pending)-keep:]
	return v.send(out)
}

// flush sends what was held back at the end of the answer.
func (v *variantSplitter) flush() error {
	out := v.pending
	v.pending = ""
	return v.send(strings.TrimRight(out, " \t\r\n"))
}

func (v *variantSplitter) send(text string) error {
	if v.fresh {
		text = strings.TrimLeft(text, " \t\r\n")
		if text == "" {
			return nil
		}
		v.fresh = false
	}
	if text == "" {
		return nil
	}
	return v.emit(v.index, text)
}
