package ydoc

import "github.com/thebrain/thebrain/modules/collab/yjs"

const refFormat = yjs.RefFormat

// kindGeneric marks a root type nobody has asked for by type yet (yjs's
// plain AbstractType from doc.get(name)).
const kindGeneric = -1

// ytype is a shared type: a root of the document or the type created by an
// Item with ContentType.
type ytype struct {
	doc      *Doc
	kind     int // yjs.TypeArray … yjs.TypeXMLText, or kindGeneric
	nodeName string
	item     *item // nil for a root
	rootName string
	start    *item
	m        map[string]*item
	keys     []string // map keys in the order they were first set
	length   int64
	depth    int

	hasFormatting bool
	// markers are yjs's search markers (nil where yjs keeps none).
	markers *markerList
}

func newType(doc *Doc, kind int, nodeName string) *ytype {
	t := &ytype{doc: doc, kind: kind, nodeName: nodeName}
	t.resetMarkers()
	return t
}

// resetMarkers gives the type the search markers yjs's constructor gives it.
func (t *ytype) resetMarkers() {
	switch t.kind {
	case yjs.TypeArray, yjs.TypeText, yjs.TypeXMLElement, yjs.TypeXMLFragment, yjs.TypeXMLText:
		t.markers = &markerList{}
	default:
		t.markers = nil
	}
}

func (t *ytype) setMap(key string, it *item) {
	if t.m == nil {
		t.m = map[string]*item{}
	}
	if _, ok := t.m[key]; !ok {
		t.keys = append(t.keys, key)
	}
	t.m[key] = it
}

// public returns the typed view of t handed to callers.
func (t *ytype) public() any {
	switch t.kind {
	case yjs.TypeArray:
		return (*Array)(t)
	case yjs.TypeMap:
		return (*Map)(t)
	case yjs.TypeText:
		return (*Text)(t)
	case yjs.TypeXMLElement:
		return (*XmlElement)(t)
	case yjs.TypeXMLFragment:
		return (*XmlFragment)(t)
	case yjs.TypeXMLHook:
		return (*XmlHook)(t)
	case yjs.TypeXMLText:
		return (*XmlText)(t)
	}
	return nil
}

// isText reports whether t is a Y.Text (or Y.XmlText), the types whose
// observers clean up formatting after remote changes.
func (t *ytype) isText() bool { return t.kind == yjs.TypeText || t.kind == yjs.TypeXMLText }

// search markers (yjs AbstractType.js ArraySearchMarker).

const maxSearchMarker = 80

type marker struct {
	p         *item
	index     int64
	timestamp uint64
}

type markerList struct {
	list []*marker
}

func (d *Doc) nextTimestamp() uint64 {
	d.markerClock++
	return d.markerClock
}

func (t *ytype) overwriteMarker(m *marker, p *item, index int64) {
	m.p.marker = false
	m.p = p
	p.marker = true
	m.index = index
	m.timestamp = t.doc.nextTimestamp()
}

func (t *ytype) markPosition(p *item, index int64) *marker {
	ml := t.markers
	if len(ml.list) >= maxSearchMarker {
		oldest := ml.list[0]
		for _, m := range ml.list[1:] {
			if m.timestamp < oldest.timestamp {
				oldest = m
			}
		}
		t.overwriteMarker(oldest, p, index)
		return oldest
	}
	p.marker = true
	m := &marker{p: p, index: index, timestamp: t.doc.nextTimestamp()}
	ml.list = append(ml.list, m)
	return m
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// findMarker is yjs's findMarker.
func (t *ytype) findMarker(index int64) *marker {
	if t.start == nil || index == 0 || t.markers == nil {
		return nil
	}
	var m *marker
	if len(t.markers.list) > 0 {
		m = t.markers.list[0]
		for _, b := range t.markers.list[1:] {
			if !(abs64(index-m.index) < abs64(index-b.index)) {
				m = b
			}
		}
	}
	p := t.start
	pindex := int64(0)
	if m != nil {
		p = m.p
		pindex = m.index
		m.timestamp = t.doc.nextTimestamp()
	}
	for p.right != nil && pindex < index {
		if !p.deleted && p.countable {
			if index < pindex+int64(p.length) {
				break
			}
			pindex += int64(p.length)
		}
		p = p.right
	}
	for p.left != nil && pindex > index {
		p = p.left
		if !p.deleted && p.countable {
			pindex -= int64(p.length)
		}
	}
	for p.left != nil && p.left.id.Client == p.id.Client && p.left.id.Clock+p.left.length == p.id.Clock {
		p = p.left
		if !p.deleted && p.countable {
			pindex -= int64(p.length)
		}
	}
	if m != nil && float64(abs64(m.index-pindex)) < float64(p.parent.length)/maxSearchMarker {
		t.overwriteMarker(m, p, pindex)
		return m
	}
	return t.markPosition(p, pindex)
}

// updateMarkerChanges is yjs's updateMarkerChanges.
func (t *ytype) updateMarkerChanges(index, n int64) {
	ml := t.markers
	for i := len(ml.list) - 1; i >= 0; i-- {
		m := ml.list[i]
		if n > 0 {
			p := m.p
			p.marker = false
			for p != nil && (p.deleted || !p.countable) {
				p = p.left
				if p != nil && !p.deleted && p.countable {
					m.index -= int64(p.length)
				}
			}
			if p == nil || p.marker {
				ml.list = append(ml.list[:i], ml.list[i+1:]...)
				continue
			}
			m.p = p
			p.marker = true
		}
		if index < m.index || (n > 0 && index == m.index) {
			m.index = max(index, m.index+n)
		}
	}
}
