// Package ydoc is a Y.Doc in Go: it integrates Yjs updates (format V1)
// exactly as yjs 13.6 does (YATA conflict resolution, pending structs and
// deletes, garbage collection, formatting cleanups), reads the shared
// types (Y.Text, Y.Map, Y.Array, Y.XmlFragment, Y.XmlElement, Y.XmlText)
// and produces the update bytes yjs would produce for local edits. The
// README explains the algorithm; a differential test holds the package to
// the real yjs.
package ydoc

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// ErrCorrupt is wrapped by errors about updates that decode but cannot be
// integrated (a reference to a struct that cannot exist, for instance).
// yjs throws on the same input; the document may then hold part of the
// update, as a yjs document would.
var ErrCorrupt = errors.New("ydoc: update cannot be integrated")

func errCorrupt(msg string) error { return fmt.Errorf("%w: %s", ErrCorrupt, msg) }

// pendingStructs are structs that wait for structs of other updates.
type pendingStructs struct {
	missing map[uint64]uint64
	order   []uint64
	update  []byte // V1
}

// Doc is a Y.Doc: the integrated state of a collaborative document.
// It is not safe for concurrent use.
type Doc struct {
	clientID uint64
	store    *structStore
	roots    map[string]*ytype
	rootKeys []string
	limits   Limits

	pending   *pendingStructs
	pendingDs []byte // V1 update holding only a delete set

	tx          *transaction
	cleanups    []*transaction
	markerClock uint64
	// gc turns deleted content into ContentDeleted and GC structs, as
	// yjs's default doc.gc = true.
	gc bool
}

// New returns an empty document whose local edits are made as clientID.
func New(clientID uint64) *Doc {
	return NewWithLimits(clientID, DefaultLimits)
}

// NewWithLimits is New with limits on what ApplyUpdate accepts.
func NewWithLimits(clientID uint64, lim Limits) *Doc {
	return &Doc{clientID: clientID, store: newStore(), roots: map[string]*ytype{}, limits: lim.withDefaults(), gc: true}
}

// ClientID is the client the document's own edits are made as. Like yjs, the
// document picks a new random one when a remote update carries structs of
// its current client.
func (d *Doc) ClientID() uint64 { return d.clientID }

// root returns the root type called name, creating a generic one.
func (d *Doc) root(name string) *ytype {
	t, ok := d.roots[name]
	if !ok {
		t = newType(d, kindGeneric, "")
		t.rootName = name
		d.roots[name] = t
		d.rootKeys = append(d.rootKeys, name)
	}
	return t
}

// typedRoot returns the root type called name as kind, giving a generic
// root that type (yjs doc.get(name, TypeConstructor)). It returns nil when
// the root already has another type.
func (d *Doc) typedRoot(name string, kind int) *ytype {
	t := d.root(name)
	if t.kind == kindGeneric {
		// yjs replaces the generic type by a new instance of the class,
		// which starts without formatting flag and with empty markers.
		t.kind = kind
		t.hasFormatting = false
		t.resetMarkers()
		return t
	}
	if t.kind != kind {
		return nil
	}
	return t
}

// RootNames lists the root types in the order they were first named.
func (d *Doc) RootNames() []string { return slices.Clone(d.rootKeys) }

// Text returns the root Y.Text called name (nil if name is another type).
func (d *Doc) Text(name string) *Text { return (*Text)(d.typedRoot(name, yjs.TypeText)) }

// Map returns the root Y.Map called name (nil if name is another type).
func (d *Doc) Map(name string) *Map { return (*Map)(d.typedRoot(name, yjs.TypeMap)) }

// Array returns the root Y.Array called name (nil if name is another type).
func (d *Doc) Array(name string) *Array { return (*Array)(d.typedRoot(name, yjs.TypeArray)) }

// XmlFragment returns the root Y.XmlFragment called name (nil if name is
// another type).
func (d *Doc) XmlFragment(name string) *XmlFragment {
	return (*XmlFragment)(d.typedRoot(name, yjs.TypeXMLFragment))
}

// ToJSON returns every root's toJSON, keyed by root name, like yjs's
// doc.toJSON(). Roots nobody asked for by type are left out (yjs writes
// undefined for them).
func (d *Doc) ToJSON() map[string]any {
	out := map[string]any{}
	for _, k := range d.rootKeys {
		t := d.roots[k]
		if t.kind != kindGeneric {
			out[k] = t.toJSON()
		}
	}
	return out
}

// StateVector encodes the state vector like yjs's encodeStateVector.
func (d *Doc) StateVector() []byte {
	return yjs.EncodeStateVector(d.store.stateVector())
}

func randomClientID() uint64 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return uint64(binary.LittleEndian.Uint32(b[:]))
}
