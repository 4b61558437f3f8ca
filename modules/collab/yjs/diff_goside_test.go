package yjs_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// runGoSide runs the codec on every case of a case file and writes the
// results file. It also checks DecodeStateVector against yjs's decoding.
func runGoSide(casesPath, resultsPath string) ([]goSideFailure, int, error) {
	in, err := os.Open(casesPath)
	if err != nil {
		return nil, 0, err
	}
	defer in.Close()
	out, err := os.Create(resultsPath)
	if err != nil {
		return nil, 0, err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	r := bufio.NewReaderSize(in, 1<<20)
	var failures []goSideFailure
	checks := 0
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var tr diffTrace
			if err := json.Unmarshal(line, &tr); err != nil {
				out.Close()
				return nil, 0, fmt.Errorf("decode case file: %w", err)
			}
			res := diffResultLine{Trace: tr.Trace, R: make([]diffResult, len(tr.Cases))}
			malformed := checkMalformed(tr)
			failures = append(failures, malformed...)
			checks++
			for _, f := range malformed {
				if strings.HasPrefix(f.detail, "hang") {
					out.Close()
					return failures, checks, fmt.Errorf("seed %s trace %d: %s hung (%s); input (base64) %s",
						tr.Seed, tr.Trace, f.desc, f.detail, base64.StdEncoding.EncodeToString(f.input))
				}
			}
			for i, c := range tr.Cases {
				if c.Op == "decsv" {
					checks++
					if d := checkDecodeStateVector(tr.Blobs[c.In[0]], c.SVMap); d != "" {
						failures = append(failures, goSideFailure{seed: tr.Seed, trace: tr.Trace, index: i, desc: c.Desc, detail: d})
					}
					continue
				}
				o, err := runCase(tr.Blobs, c)
				if errors.Is(err, errHang) {
					out.Close()
					return failures, checks, fmt.Errorf("seed %s trace %d case %d (%s: %s): the codec call hung; rerun with YJS_DIFF_TRACE=%s/%d",
						tr.Seed, tr.Trace, i, c.Op, c.Desc, tr.Seed, tr.Trace)
				}
				if err != nil {
					res.R[i].E = err.Error()
				} else {
					if o == nil {
						o = []byte{}
					}
					res.R[i].O = &o
				}
			}
			enc, err := json.Marshal(res)
			if err != nil {
				out.Close()
				return nil, 0, err
			}
			w.Write(enc)
			w.WriteByte('\n')
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.Close()
			return nil, 0, err
		}
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return nil, 0, err
	}
	return failures, checks, out.Close()
}

func runCase(blobs [][]byte, c diffCase) ([]byte, error) {
	switch c.Op {
	case "merge":
		ins := make([][]byte, len(c.In))
		for i, b := range c.In {
			// Copies, so that a codec that writes into its inputs is caught
			// by the comparison rather than corrupting other cases.
			ins[i] = slices.Clone(blobs[b])
		}
		return guard(func() ([]byte, error) { return yjs.MergeUpdates(ins) })
	case "sv":
		return guard(func() ([]byte, error) { return yjs.EncodeStateVectorFromUpdate(slices.Clone(blobs[c.In[0]])) })
	case "diff":
		if c.SV == nil {
			return nil, errors.New("harness: diff case without a state vector")
		}
		return guard(func() ([]byte, error) {
			return yjs.DiffUpdate(slices.Clone(blobs[c.In[0]]), slices.Clone(blobs[*c.SV]))
		})
	}
	return nil, fmt.Errorf("harness: unknown op %q", c.Op)
}

// checkMalformed feeds truncated and corrupted copies of a trace's updates
// and state vectors to every function. The codec may accept or reject them
// (yjs itself accepts some), but it must neither panic nor hang.
func checkMalformed(tr diffTrace) []goSideFailure {
	var out []goSideFailure
	rng := rand.New(rand.NewPCG(uint64(tr.Trace), 0x5eed))
	for k := 0; k < 6 && len(tr.Blobs) > 0; k++ {
		orig := tr.Blobs[rng.IntN(len(tr.Blobs))]
		if len(orig) < 2 {
			continue
		}
		bad := slices.Clone(orig)
		how := ""
		switch k % 3 {
		case 0:
			n := rng.IntN(len(bad))
			bad, how = bad[:n], fmt.Sprintf("truncated to %d of %d bytes", n, len(orig))
		case 1:
			i := rng.IntN(len(bad))
			bad[i] ^= byte(1 << rng.IntN(8))
			how = fmt.Sprintf("bit flipped at byte %d of %d", i, len(orig))
		default:
			i := rng.IntN(len(bad))
			bad[i] = 0xff
			how = fmt.Sprintf("byte %d of %d set to 0xff", i, len(orig))
		}
		other := tr.Blobs[rng.IntN(len(tr.Blobs))]
		calls := []struct {
			name string
			fn   func() ([]byte, error)
		}{
			{"MergeUpdates", func() ([]byte, error) { return yjs.MergeUpdates([][]byte{slices.Clone(other), bad}) }},
			{"EncodeStateVectorFromUpdate", func() ([]byte, error) { return yjs.EncodeStateVectorFromUpdate(bad) }},
			{"DiffUpdate(bad, sv)", func() ([]byte, error) { return yjs.DiffUpdate(bad, []byte{0}) }},
			{"DiffUpdate(update, bad)", func() ([]byte, error) { return yjs.DiffUpdate(slices.Clone(other), bad) }},
			{"DecodeStateVector", func() ([]byte, error) { _, err := yjs.DecodeStateVector(bad); return nil, err }},
		}
		for _, c := range calls {
			if _, err := guard(c.fn); crashed(err) {
				out = append(out, goSideFailure{
					seed: tr.Seed, trace: tr.Trace, index: -1,
					desc:   c.name + " on a malformed input (" + how + ")",
					detail: err.Error(),
					input:  bad,
				})
			}
		}
	}
	return out
}

func checkDecodeStateVector(sv []byte, want map[string]uint64) string {
	var got map[uint64]uint64
	_, err := guard(func() ([]byte, error) {
		var err error
		got, err = yjs.DecodeStateVector(sv)
		return nil, err
	})
	if err != nil {
		return fmt.Sprintf("DecodeStateVector(%s): %v", base64.StdEncoding.EncodeToString(sv), err)
	}
	w := make(map[uint64]uint64, len(want))
	for k, v := range want {
		c, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			return "harness: bad client id " + k
		}
		w[c] = v
	}
	if !maps.Equal(got, w) {
		return fmt.Sprintf("DecodeStateVector(%s) = %v, yjs decodes %v", base64.StdEncoding.EncodeToString(sv), got, w)
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
