package ydoc_test

import (
	"bytes"
	"testing"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// A remote update carrying structs of the document's own client id makes
// the document pick another id, as yjs does, so its next edits cannot
// collide with the other writer's.
func TestOwnClientIDFromRemoteChangesIt(t *testing.T) {
	a := ydoc.New(5)
	u, err := a.Transact(func(tx *ydoc.Tx) error { return tx.Insert(a.Text("t"), 0, "hi", nil) })
	if err != nil {
		t.Fatal(err)
	}
	b := ydoc.New(5)
	if err := b.ApplyUpdate(u); err != nil {
		t.Fatal(err)
	}
	if b.ClientID() == 5 {
		t.Fatal("client id kept after a remote update used it")
	}
	c := ydoc.New(6)
	if err := c.ApplyUpdate(u); err != nil {
		t.Fatal(err)
	}
	if c.ClientID() != 6 {
		t.Fatal("client id changed without a collision")
	}
}

// Transact reports nothing for a transaction without changes, and an
// invalid edit returns its error with the edits before it applied and
// included in the update.
func TestTransactErrorsAndEmpty(t *testing.T) {
	d := ydoc.New(1)
	u, err := d.Transact(func(tx *ydoc.Tx) error { return nil })
	if u != nil || err != nil {
		t.Fatalf("empty transaction: %x %v", u, err)
	}
	frag := d.XmlFragment("x")
	u, err = d.Transact(func(tx *ydoc.Tx) error {
		tx.InsertElement(frag, 0, "paragraph")
		tx.InsertElement(frag, 5, "paragraph") // beyond the end
		tx.InsertElement(frag, 0, "heading")   // skipped after the error
		return nil
	})
	if err == nil || u == nil {
		t.Fatalf("want the first edit's update and an error, got %x %v", u, err)
	}
	if got := frag.String(); got != "<paragraph></paragraph>" {
		t.Fatalf("fragment %q", got)
	}
	e := ydoc.New(2)
	if err := e.ApplyUpdate(u); err != nil || e.XmlFragment("x").String() != frag.String() {
		t.Fatalf("update does not carry the applied edit: %v", err)
	}
	sv := d.StateVector()
	state, _ := d.EncodeStateAsUpdate(sv)
	if !bytes.Equal(state, []byte{0, 0}) {
		t.Fatalf("state against its own state vector: %x", state)
	}
}
