package yjs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// TestDifferentialRejectsV2 feeds documents encoded as V2 updates (which
// y-websocket and Hocuspocus never send) to every function: each must fail,
// while the same documents encoded as V1 must be accepted.
func TestDifferentialRejectsV2(t *testing.T) {
	t.Parallel()
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := runNode(ctx, "v2.mjs")
	if err != nil {
		t.Fatal(err)
	}
	type v2Case struct {
		Name string `json:"name"`
		V2   []byte `json:"v2"`
		V1   []byte `json:"v1"`
		SV   []byte `json:"sv"`
	}
	var cases []v2Case
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var c v2Case
		if err := dec.Decode(&c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatal("v2.mjs produced no cases")
	}
	calls := []struct {
		name string
		call func(update, sv []byte) ([]byte, error)
	}{
		{"MergeUpdates single", func(u, _ []byte) ([]byte, error) { return yjs.MergeUpdates([][]byte{u}) }},
		{"MergeUpdates with empty", func(u, _ []byte) ([]byte, error) { return yjs.MergeUpdates([][]byte{{0, 0}, u}) }},
		{"MergeUpdates twice", func(u, _ []byte) ([]byte, error) { return yjs.MergeUpdates([][]byte{u, u}) }},
		{"EncodeStateVectorFromUpdate", func(u, _ []byte) ([]byte, error) { return yjs.EncodeStateVectorFromUpdate(u) }},
		{"DiffUpdate empty sv", func(u, _ []byte) ([]byte, error) { return yjs.DiffUpdate(u, []byte{0}) }},
		{"DiffUpdate", func(u, sv []byte) ([]byte, error) { return yjs.DiffUpdate(u, sv) }},
	}
	for _, c := range cases {
		for _, fn := range calls {
			t.Run(c.Name+"/"+fn.name, func(t *testing.T) {
				if _, err := guard(func() ([]byte, error) { return fn.call(slices.Clone(c.V1), c.SV) }); err != nil {
					t.Errorf("V1 encoding of the same document rejected: %v", err)
				}
				got, err := guard(func() ([]byte, error) { return fn.call(slices.Clone(c.V2), c.SV) })
				if err == nil {
					t.Errorf("V2 update accepted (%d bytes in, %d bytes out); want an error", len(c.V2), len(got))
				} else if crashed(err) {
					t.Errorf("V2 update made the codec crash: %v", err)
				}
			})
		}
	}
}
