package chapters

import (
	"strings"
	"testing"
)

func TestCountWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"only whitespace and punctuation", "  \n\t — … !? ", 0},
		{"english", "The quick brown fox jumps over the lazy dog.", 9},
		{"english contractions", "Don't stop: it's the author's book.", 6},
		{"english numbers", "In 1984 she paid 3.14 dollars for 1,000 pages.", 9},
		{"french apostrophes and hyphens", "L'homme qu'on aime, peut-être aujourd'hui.", 5},
		{"french typographic apostrophe", "L’été est là.", 3},
		{"german compounds and umlauts", "Die Donaudampfschifffahrt ist größer als Österreich.", 6},
		{"russian", "Мой дядя самых честных правил, когда не в шутку занемог.", 10},
		{"arabic with diacritics", "ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ", 4},
		{"chinese counts characters", "我爱读书。", 4},
		{"chinese mixed with latin", "我用 Go 写代码", 6},
		{"japanese kana and kanji", "私は学生です。", 6},
		{"japanese katakana with long mark", "コーヒー", 4},
		{"korean uses spaces", "나는 책을 읽는다", 3},
		{"emoji are not words", "Great 🎉 news 👍🏽 today", 3},
		{"emoji only", "🎉🎉🎉", 0},
		{"markdown heading and emphasis", "# Chapter *One*\n\n**Bold** and _italic_ text", 6},
		{"markdown list and quote", "- first item\n- second item\n> quoted words here", 7},
		{"markdown link keeps text, drops url", "See [the docs](https://example.com/some/long-path?x=1) now", 4},
		{"markdown image alt", "![a cat](cat.png) sleeps", 3},
		{"bare url is not words", "Visit https://example.com/a-b-c today", 2},
		{"reference definition", "Read [this][1].\n\n[1]: https://example.com/page", 2},
		{"html tag", "Hello <span class=\"x\">there</span> friend", 3},
		{"code fences count the words inside", "```\nlet x = 1\n```", 3},
		{"leading hyphen is a dash", "word - word -- word", 3},
		{"trailing apostrophe", "the dogs' bones", 3},
		{"thai run counts once", "สวัสดีครับ ผม", 2},
		{"less-than in prose", "if a < b and c > d", 6},
		{"ampersand in prose", "Tom & Jerry", 2},
		{"entity is not a word", "one&nbsp;two &#8212; three", 3},
		{"html comment over lines", "before <!-- a\nhidden note --> after", 2},
		{"www url", "go to www.example.com now", 3},
		{"unclosed link target stays prose", "see [this](and that\nnext line", 6},
		{"bracket text without target", "[aside] words", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CountWords(tt.text); got != tt.want {
				t.Errorf("CountWords(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

// BenchmarkCountWords counts a 2 MiB chapter of mixed Markdown, the largest
// content a save can carry.
func BenchmarkCountWords(b *testing.B) {
	para := "# Chapter\n\nThe keeper's *lamp* burned — see [notes](https://example.org/x). 灯台守は夜通し起きていた。 Он ждал.\n\n"
	text := strings.Repeat(para, MaxChapterContent/len(para))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		CountWords(text)
	}
}
