package prosemirror_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

type yState struct {
	Doc    json.RawMessage `json:"doc"`
	Update string          `json:"update"`
}

type yStateCase struct {
	A yState `json:"a"`
	B yState `json:"b"`
}

// withoutElementMarks drops marks from non-text nodes, which y-prosemirror
// does not keep in Y.js (a hard break's marks).
func withoutElementMarks(n *prosemirror.Node) *prosemirror.Node {
	c := n.Clone()
	var walk func(*prosemirror.Node)
	walk = func(m *prosemirror.Node) {
		if !m.IsText() {
			m.Marks = nil
		}
		for _, ch := range m.Content {
			walk(ch)
		}
	}
	walk(c)
	return c
}

// checkWithYjs applies each line's updates to a fresh yjs Y.Doc and returns
// y-prosemirror's reading of the fragment for each.
func checkWithYjs(t *testing.T, lines [][][]byte) []any {
	t.Helper()
	var in bytes.Buffer
	for _, ups := range lines {
		enc := make([]string, len(ups))
		for i, u := range ups {
			enc[i] = base64.StdEncoding.EncodeToString(u)
		}
		b, _ := json.Marshal(map[string]any{"updates": enc})
		in.Write(append(b, '\n'))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "check.mjs")
	cmd.Dir = nodeDir
	cmd.Stdin = &in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node check.mjs: %v\n%s", err, stderr.String())
	}
	var out []any
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r struct {
			JSON  any    `json:"json"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Error != "" {
			t.Fatalf("yjs could not read a Go update: %s", r.Error)
		}
		out = append(out, r.JSON)
	}
	if len(out) != len(lines) {
		t.Fatalf("check.mjs answered %d of %d lines", len(out), len(lines))
	}
	return out
}

// TestYDocAgainstYjs runs the mapping on the Go Y.Doc model against yjs
// and y-prosemirror: fragments written by y-prosemirror read as their
// documents; updates made here by SeedYDoc and UpdateYDoc (to another
// random document, and to a random edit of the same one), applied to yjs,
// read in y-prosemirror as the documents written.
func TestYDocAgainstYjs(t *testing.T) {
	n := caseCount(300)
	for _, seed := range seeds(t) {
		cases := genCases[yStateCase](t, "ystate", seed, n)
		var lines [][][]byte
		var wants []any
		r := rand.New(rand.NewPCG(uint64(len(seed)), 11))
		for i, c := range cases {
			a, err := prosemirror.ParseJSON(c.A.Doc)
			if err != nil {
				t.Fatal(err)
			}
			b, err := prosemirror.ParseJSON(c.B.Doc)
			if err != nil {
				t.Fatal(err)
			}
			ua, err := base64.StdEncoding.DecodeString(c.A.Update)
			if err != nil {
				t.Fatal(err)
			}
			// y-prosemirror's fragment, read here.
			d := ydoc.New(1)
			if err := d.ApplyUpdate(ua); err != nil {
				t.Fatalf("seed %s case %d: %v", seed, i, err)
			}
			if got, want := canon(t, prosemirror.FromYDoc(d, "prosemirror")), canon(t, withoutElementMarks(prosemirror.Normalize(a))); !jsonEqual(got, want) {
				path, g, w := firstDiff("doc", got, want)
				t.Errorf("seed %s case %d: FromYDoc differs at %s: %s, want %s", seed, i, path, mustJSON(g), mustJSON(w))
			}
			// Seeded here.
			us, err := prosemirror.SeedYDoc(ydoc.New(2), "prosemirror", a)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, [][]byte{us})
			wants = append(wants, canon(t, withoutElementMarks(prosemirror.Normalize(a))))
			// Updated here to b, and to an edit of a.
			edited := a.Clone()
			for e := r.IntN(3); e >= 0; e-- {
				randomEdit(r, edited)
			}
			for _, next := range []*prosemirror.Node{b, edited} {
				d := ydoc.New(3)
				if err := d.ApplyUpdate(ua); err != nil {
					t.Fatal(err)
				}
				uu, err := prosemirror.UpdateYDoc(d, "prosemirror", next)
				if err != nil {
					t.Fatalf("seed %s case %d: UpdateYDoc: %v", seed, i, err)
				}
				want := canon(t, withoutElementMarks(prosemirror.Normalize(next)))
				if got := canon(t, prosemirror.FromYDoc(d, "prosemirror")); !jsonEqual(got, want) {
					path, g, w := firstDiff("doc", got, want)
					t.Errorf("seed %s case %d: after UpdateYDoc the Go document differs at %s: %s, want %s", seed, i, path, mustJSON(g), mustJSON(w))
				}
				ups := [][]byte{ua}
				if uu != nil { // nil: nothing to change
					ups = append(ups, uu)
				}
				lines = append(lines, ups)
				wants = append(wants, want)
			}
		}
		got := checkWithYjs(t, lines)
		fails := 0
		for i := range got {
			if g := canonAny(got[i]); !jsonEqual(g, wants[i]) {
				fails++
				if fails <= 5 {
					path, gv, wv := firstDiff("doc", g, wants[i])
					t.Errorf("seed %s line %d (%s): yjs reads the Go update differently at %s: %s, want %s", seed, i,
						[]string{"seed", "update to another document", "update to an edit"}[i%3], path, mustJSON(gv), mustJSON(wv))
				}
			}
		}
		if fails > 0 {
			t.Errorf("seed %s: %d of %d Go updates read differently in yjs", seed, fails, len(got))
		} else {
			t.Logf("seed %s: %d fragments read, %d Go updates (seed, update, edit) read back identically by y-prosemirror", seed, len(cases), len(got))
		}
	}
}
