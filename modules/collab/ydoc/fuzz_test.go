package ydoc_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// seedUpdates builds a few real updates through the write API.
func seedUpdates(tb testing.TB) [][]byte {
	d := ydoc.New(42)
	var out [][]byte
	add := func(fn func(tx *ydoc.Tx) error) {
		u, err := d.Transact(fn)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, u)
	}
	frag := d.XmlFragment("xml")
	add(func(tx *ydoc.Tx) error {
		p := tx.InsertElement(frag, 0, "paragraph")
		t := tx.InsertText(p, 0)
		tx.TextInsert(t, 0, "hello world", nil)
		tx.TextFormat(t, 0, 5, map[string]any{"bold": map[string]any{}})
		tx.SetAttribute(p, "level", 2)
		return tx.Err()
	})
	add(func(tx *ydoc.Tx) error {
		if err := tx.MapSet(d.Map("m"), "k", []any{1.0, "x"}); err != nil {
			return err
		}
		return tx.Insert(d.Text("t"), 0, "abc😀", map[string]any{"italic": true})
	})
	add(func(tx *ydoc.Tx) error {
		tx.Delete(frag, 0, 1)
		return tx.ArrayInsert(d.Array("a"), 0, []any{nil, true, 3.5})
	})
	return out
}

func FuzzApplyUpdate(f *testing.F) {
	for _, u := range seedUpdates(f) {
		f.Add(u)
	}
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, update []byte) {
		d := ydoc.NewWithLimits(1, ydoc.Limits{Codec: yjs.Limits{MaxStructs: 1 << 14}, MaxIntegrationSteps: 1 << 20})
		d.XmlFragment("xml")
		d.Text("t")
		_ = d.ApplyUpdate(update)
		// whatever was accepted must read and encode
		_ = d.XmlFragment("xml").String()
		_ = d.Text("t").Delta()
		_, _ = ydoc.MarshalJS(d.ToJSON())
		state, err := d.EncodeStateAsUpdate(nil)
		if err != nil {
			return
		}
		e := ydoc.New(2)
		if err := e.ApplyUpdate(state); err != nil && !errors.Is(err, ydoc.ErrCorrupt) {
			t.Fatalf("own state does not decode: %v", err)
		}
	})
}

// deepNesting builds an update with n nested Y.Map values, each the child
// of the previous one.
func deepNesting(n int) []byte {
	var b []byte
	b = append(b, 1)                // one client
	b = appendVU(b, uint64(n))      // n structs
	b = appendVU(appendVU(b, 5), 0) // client 5 from clock 0
	for i := 0; i < n; i++ {
		if i == 0 {
			b = append(b, 7|0x20)    // ContentType, parentSub
			b = append(b, 1, 1, 'r') // root "r"
		} else {
			b = append(b, 7|0x20, 0)
			b = appendVU(appendVU(b, 5), uint64(i-1))
		}
		b = append(b, 1, 'k') // key "k"
		b = append(b, 1)      // Y.Map
	}
	return append(b, 0)
}

func appendVU(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func TestHostileInput(t *testing.T) {
	t.Run("deep nesting is refused", func(t *testing.T) {
		d := ydoc.New(1)
		start := time.Now()
		err := d.ApplyUpdate(deepNesting(5000))
		if !errors.Is(err, ydoc.ErrCorrupt) || !strings.Contains(err.Error(), "nested") {
			t.Fatalf("want a nesting error, got %v", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("took %s", time.Since(start))
		}
		if err := ydoc.New(1).ApplyUpdate(deepNesting(100)); err != nil {
			t.Fatalf("100 levels: %v", err)
		}
	})
	t.Run("huge lengths", func(t *testing.T) {
		// a GC range of 2^53-1 units and a delete set far beyond it
		u := []byte{1, 1, 9, 0, 0}
		u = appendVU(u, 1<<53-1)
		u = append(u, 1, 9, 1, 0)
		u = appendVU(u, 1<<52)
		d := ydoc.New(1)
		if err := d.ApplyUpdate(u); err != nil {
			t.Fatalf("apply: %v", err)
		}
		if _, err := d.EncodeStateAsUpdate(nil); err != nil {
			t.Fatal(err)
		}
		over := appendVU([]byte{1, 1, 9, 0, 0}, 1<<53)
		if err := ydoc.New(1).ApplyUpdate(append(over, 0)); !errors.Is(err, yjs.ErrMalformed) {
			t.Fatalf("clock past 2^53: %v", err)
		}
	})
	t.Run("pending cycles stay pending", func(t *testing.T) {
		// client 1's item waits for client 2, whose item waits for client 1
		a := []byte{1, 1, 1, 0, 0x84, 2, 5, 1, 'a', 0}
		b := []byte{1, 1, 2, 0, 0x84, 1, 5, 1, 'b', 0}
		d := ydoc.New(9)
		for i := 0; i < 50; i++ {
			if err := d.ApplyUpdate(a); err != nil {
				t.Fatal(err)
			}
			if err := d.ApplyUpdate(b); err != nil {
				t.Fatal(err)
			}
		}
		if sv := d.StateVector(); len(sv) != 1 || sv[0] != 0 {
			t.Fatalf("state vector %x", sv)
		}
		state, err := d.EncodeStateAsUpdate(nil)
		if err != nil || len(state) < 10 {
			t.Fatalf("pending structs must be in the state: %x %v", state, err)
		}
	})
	for _, ch := range []string{"a", "é"} {
		t.Run("a delete set that splits one long item everywhere "+ch, func(t *testing.T) { splitEverywhere(t, ch) })
	}
	t.Run("truncated and garbage input", func(t *testing.T) {
		for _, u := range seedUpdates(t) {
			for i := 0; i < len(u); i++ {
				d := ydoc.New(1)
				_ = d.ApplyUpdate(u[:i])
			}
		}
	})
}

// splitEverywhere sends one long string item and a delete set that splits
// it at every other unit, from the end, so that every split moves the
// structs after it: the work budget, counted in steps and not in time, must
// stop it (deterministically, whatever the machine's load).
func splitEverywhere(t *testing.T, ch string) {
	const n = 400000
	u := appendVU([]byte{1, 1, 3, 0, 4, 1, 1, 't'}, uint64(len(ch)*n)) // one string item in root "t"
	u = append(u, strings.Repeat(ch, n)...)
	u = append(u, 1, 3)
	u = appendVU(u, n/2)
	for i := 0; i < n/2; i++ {
		u = appendVU(appendVU(u, uint64(n-1-2*i)), 1)
	}
	d := ydoc.New(1)
	start := time.Now()
	err := d.ApplyUpdate(u)
	if !errors.Is(err, yjs.ErrLimit) {
		t.Fatalf("want the work limit, got %v", err)
	}
	t.Logf("%v after %s", err, time.Since(start))
}
