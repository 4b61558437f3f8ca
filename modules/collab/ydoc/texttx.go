package ydoc

import "github.com/thebrain/thebrain/modules/collab/yjs"

// textPos is yjs's ItemTextListPosition.
type textPos struct {
	left, right *item
	index       int64
	attrs       *omap
}

func (p *textPos) forward() {
	if p.right == nil {
		return
	}
	if p.right.content.ref == yjs.RefFormat {
		if !p.right.deleted {
			p.attrs.updateFormat(&p.right.content)
		}
	} else if !p.right.deleted {
		p.index += int64(p.right.length)
	}
	p.left = p.right
	p.right = p.right.right
}

func (tx *Tx) findNextPosition(p *textPos, count int64) (*textPos, error) {
	store := tx.t.doc.store
	for p.right != nil && count > 0 {
		r := p.right
		if r.content.ref == yjs.RefFormat {
			if !r.deleted {
				p.attrs.updateFormat(&r.content)
			}
		} else if !r.deleted {
			if count < int64(r.length) {
				if _, err := store.getItemCleanStart(tx.t, ID{Client: r.id.Client, Clock: r.id.Clock + uint64(count)}); err != nil {
					return nil, err
				}
			}
			p.index += int64(r.length)
			count -= int64(r.length)
		}
		p.left = p.right
		p.right = p.right.right
	}
	return p, nil
}

func (tx *Tx) findPosition(t *ytype, index int64, useMarker bool) (*textPos, error) {
	attrs := &omap{}
	if useMarker {
		if m := t.findMarker(index); m != nil {
			return tx.findNextPosition(&textPos{left: m.p.left, right: m.p, index: m.index, attrs: attrs}, index-m.index)
		}
	}
	return tx.findNextPosition(&textPos{right: t.start, attrs: attrs}, index)
}

func attrOrNull(o *omap, k string) any {
	v, ok := o.get(k)
	if !ok {
		return nil
	}
	return v
}

// attrOrUndefined is map.get(k): undefined when absent.
func attrOrUndefined(o *omap, k string) any {
	v, ok := o.get(k)
	if !ok {
		return Undefined
	}
	return v
}

func (tx *Tx) insertNegatedAttributes(t *ytype, p *textPos, negated *omap) error {
	for p.right != nil && (p.right.deleted || (p.right.content.ref == yjs.RefFormat && equalAttrs(attrOrUndefined(negated, p.right.content.key), p.right.content.formatValue()))) {
		if !p.right.deleted {
			negated.del(p.right.content.key)
		}
		p.forward()
	}
	for _, k := range negated.keys {
		c, err := jsonContent(yjs.RefFormat, k, negated.m[k])
		if err != nil {
			return err
		}
		c.value, c.hasValue = negated.m[k], true
		it, err := tx.newItem(p.left, p.right, t, "", false, c)
		if err != nil {
			return err
		}
		p.right = it
		p.forward()
	}
	return nil
}

func minimizeAttributeChanges(p *textPos, attrs *omap) {
	for p.right != nil {
		if !(p.right.deleted || (p.right.content.ref == yjs.RefFormat && equalAttrs(attrOrNull(attrs, p.right.content.key), p.right.content.formatValue()))) {
			break
		}
		p.forward()
	}
}

func (tx *Tx) insertAttributes(t *ytype, p *textPos, attrs *omap) (*omap, error) {
	negated := &omap{}
	for _, k := range attrs.keys {
		val := attrs.m[k]
		cur := attrOrNull(p.attrs, k)
		if !equalAttrs(cur, val) {
			negated.set(k, cur)
			c, err := jsonContent(yjs.RefFormat, k, val)
			if err != nil {
				return nil, err
			}
			c.value, c.hasValue = val, true
			it, err := tx.newItem(p.left, p.right, t, "", false, c)
			if err != nil {
				return nil, err
			}
			p.right = it
			p.forward()
		}
	}
	return negated, nil
}

func (tx *Tx) textInsert(t *ytype, pos int, c content, attrMap map[string]any) error {
	if c.ref == yjs.RefString && c.str == "" {
		return nil
	}
	if pos < 0 || int64(pos) > t.length {
		return badEdit("position %d beyond length %d", pos, t.length)
	}
	p, err := tx.findPosition(t, int64(pos), attrMap == nil)
	if err != nil {
		return err
	}
	var attrs *omap
	switch {
	case attrMap == nil && c.ref == yjs.RefEmbed:
		// insertEmbed passes `attributes || {}`: nothing is inherited.
		attrs = &omap{}
	case attrMap == nil:
		attrs = p.attrs.clone()
	default:
		attrs = omapOf(attrMap)
	}
	for _, k := range p.attrs.keys {
		if _, ok := attrs.get(k); !ok {
			attrs.set(k, nil)
		}
	}
	minimizeAttributeChanges(p, attrs)
	negated, err := tx.insertAttributes(t, p, attrs)
	if err != nil {
		return err
	}
	if t.markers != nil {
		t.updateMarkerChanges(p.index, int64(contentLength(&c)))
	}
	index := p.index
	it, err := tx.newItem(p.left, p.right, t, "", false, c)
	if err != nil {
		return err
	}
	p.right = it
	p.index = index
	p.forward()
	return tx.insertNegatedAttributes(t, p, negated)
}

func (tx *Tx) textFormat(t *ytype, pos, length int, attrMap map[string]any) error {
	if length == 0 {
		return nil
	}
	if pos < 0 || length < 0 {
		return badEdit("negative position or length")
	}
	p, err := tx.findPosition(t, int64(pos), false)
	if err != nil {
		return err
	}
	if p.right == nil {
		return nil
	}
	attrs := omapOf(attrMap)
	store := tx.t.doc.store
	minimizeAttributeChanges(p, attrs)
	negated, err := tx.insertAttributes(t, p, attrs)
	if err != nil {
		return err
	}
	n := int64(length)
loop:
	for p.right != nil && (n > 0 || (negated.size() > 0 && (p.right.deleted || p.right.content.ref == yjs.RefFormat))) {
		r := p.right
		if !r.deleted {
			if r.content.ref == yjs.RefFormat {
				key, value := r.content.key, r.content.formatValue()
				if attr, ok := attrs.get(key); ok {
					if equalAttrs(attr, value) {
						negated.del(key)
					} else {
						if n == 0 {
							break loop
						}
						negated.set(key, value)
					}
					tx.t.deleteItem(r)
				} else {
					p.attrs.set(key, value)
				}
			} else {
				if n < int64(r.length) {
					if _, err := store.getItemCleanStart(tx.t, ID{Client: r.id.Client, Clock: r.id.Clock + uint64(n)}); err != nil {
						return err
					}
				}
				n -= int64(r.length)
			}
		}
		p.forward()
	}
	if n > 0 {
		s := make([]byte, n)
		for i := range s {
			s[i] = '\n'
		}
		it, err := tx.newItem(p.left, p.right, t, "", false, stringContent(string(s)))
		if err != nil {
			return err
		}
		p.right = it
		p.forward()
	}
	return tx.insertNegatedAttributes(t, p, negated)
}

func (tx *Tx) textDelete(t *ytype, pos, length int) error {
	if length == 0 {
		return nil
	}
	if pos < 0 || length < 0 {
		return badEdit("negative position or length")
	}
	p, err := tx.findPosition(t, int64(pos), true)
	if err != nil {
		return err
	}
	store := tx.t.doc.store
	n := int64(length)
	startLen := n
	startAttrs := p.attrs.clone()
	start := p.right
	for n > 0 && p.right != nil {
		r := p.right
		if !r.deleted {
			switch r.content.ref {
			case yjs.RefType, yjs.RefEmbed, yjs.RefString:
				if n < int64(r.length) {
					if _, err := store.getItemCleanStart(tx.t, ID{Client: r.id.Client, Clock: r.id.Clock + uint64(n)}); err != nil {
						return err
					}
				}
				n -= int64(r.length)
				tx.t.deleteItem(r)
			}
		}
		p.forward()
	}
	if start != nil {
		cleanupFormattingGap(tx.t, start, p.right, startAttrs.m, p.attrs.m)
	}
	if t.markers != nil {
		t.updateMarkerChanges(p.index, -startLen+n)
	}
	return nil
}
