package yjs_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWritePerfSection checks that TestPerfVsYjs only ever replaces its own
// section of docs/perf.md, which other modules share.
func TestWritePerfSection(t *testing.T) {
	t.Parallel()
	const sec = perfSection + "\n\nnew numbers\n"
	tests := []struct {
		name string
		old  *string // nil: no file yet
		want string
	}{
		{
			name: "no file",
			want: "# Performance measurements\n\n" + sec,
		},
		{
			name: "other sections only",
			old:  perfDocText("# Perf\n\n## Platform\n\nfast\n"),
			want: "# Perf\n\n## Platform\n\nfast\n\n" + sec,
		},
		{
			name: "own section between others",
			old:  perfDocText("# Perf\n\n## A\n\na\n\n" + perfSection + "\n\nold numbers\n\n## B\n\nb\n"),
			want: "# Perf\n\n## A\n\na\n\n" + sec + "\n## B\n\nb\n",
		},
		{
			name: "own section last",
			old:  perfDocText("# Perf\n\n## A\n\na\n\n" + perfSection + "\n\nold numbers\n"),
			want: "# Perf\n\n## A\n\na\n\n" + sec,
		},
		{
			name: "own section first, subsections kept with it",
			old:  perfDocText(perfSection + "\n\nold\n\n### detail\n\nold detail\n\n## B\n\nb\n"),
			want: sec + "\n## B\n\nb\n",
		},
		{
			name: "heading text inside a line is not the section",
			old:  perfDocText("# Perf\n\nsee " + perfSection + "\n"),
			want: "# Perf\n\nsee " + perfSection + "\n\n" + sec,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "docs", "perf.md")
			if tt.old != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(*tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := writePerfSection(path, sec); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

// perfDocText returns a pointer to an existing document text.
func perfDocText(s string) *string { return &s }
