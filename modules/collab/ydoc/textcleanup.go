package ydoc

import "maps"

// cleanupTextAfterTransaction is yjs's cleanupYTextAfterTransaction: after a
// remote transaction touched formatted text, redundant format items are
// deleted in a new local transaction.
func (d *Doc) cleanupTextAfterTransaction(tx *transaction) error {
	store := d.store
	var full []*ytype
	inFull := map[*ytype]bool{}
	addFull := func(t *ytype) {
		if !inFull[t] {
			inFull[t] = true
			full = append(full, t)
		}
	}
	for _, client := range store.order {
		after, ok := tx.afterState[client]
		if !ok {
			continue
		}
		clock := tx.before(client)
		if after == clock {
			continue
		}
		err := store.iterateStructs(tx, client, clock, after, func(it *item) {
			if !it.deleted && !it.gc && it.content.ref == refFormat && it.parent != nil {
				addFull(it.parent)
			}
		})
		if err != nil {
			return err
		}
	}
	_, err := d.transact(func(t *transaction) error {
		for _, client := range tx.ds.order {
			dels := tx.ds.clients[client]
			structs := store.clients[client]
			if len(structs) == 0 {
				continue
			}
			last := structs[len(structs)-1]
			state := last.id.Clock + last.length
			for _, del := range dels {
				if del.Clock >= state {
					break
				}
				err := store.iterateStructs(tx, client, del.Clock, del.Len, func(it *item) {
					if it.gc || it.parent == nil || !it.parent.hasFormatting || inFull[it.parent] {
						return
					}
					if it.content.ref == refFormat {
						addFull(it.parent)
					} else {
						cleanupContextlessFormattingGap(t, it)
					}
				})
				if err != nil {
					return err
				}
			}
		}
		for i := 0; i < len(full); i++ {
			cleanupTextFormatting(t, full[i])
		}
		return nil
	}, true)
	return err
}

// cleanupTextFormatting is yjs's cleanupYTextFormatting.
func cleanupTextFormatting(tx *transaction, t *ytype) int {
	res := 0
	start := t.start
	end := t.start
	startAttrs := map[string]any{}
	cur := map[string]any{}
	for end != nil {
		if !end.deleted {
			if end.content.ref == refFormat {
				updateAttrs(cur, &end.content)
			} else {
				res += cleanupFormattingGap(tx, start, end, startAttrs, cur)
				startAttrs = maps.Clone(cur)
				start = end
			}
		}
		end = end.right
	}
	return res
}

// cleanupFormattingGap is yjs's cleanupFormattingGap.
func cleanupFormattingGap(tx *transaction, start, curr *item, startAttrs, currAttrs map[string]any) int {
	end := start
	endFormats := map[string]*content{}
	for end != nil && (!end.countable || end.deleted) {
		if !end.deleted && end.content.ref == refFormat {
			endFormats[end.content.key] = &end.content
		}
		end = end.right
	}
	cleanups := 0
	reachedCurr := false
	for start != end && start != nil {
		if curr == start {
			reachedCurr = true
		}
		if !start.deleted && start.content.ref == refFormat {
			c := &start.content
			key, value := c.key, c.formatValue()
			startValue := startAttrs[key]
			if endFormats[key] != c || identical(startValue, value) {
				tx.deleteItem(start)
				cleanups++
				if !reachedCurr && identical(currAttrs[key], value) && !identical(startValue, value) {
					if startValue == nil {
						delete(currAttrs, key)
					} else {
						currAttrs[key] = startValue
					}
				}
			}
			if !reachedCurr && !start.deleted {
				updateAttrs(currAttrs, c)
			}
		}
		start = start.right
	}
	return cleanups
}

// cleanupContextlessFormattingGap is yjs's cleanupContextlessFormattingGap.
func cleanupContextlessFormattingGap(tx *transaction, it *item) {
	for it != nil && it.right != nil && (it.right.deleted || !it.right.countable) {
		it = it.right
	}
	seen := map[string]bool{}
	for it != nil && (it.deleted || !it.countable) {
		if !it.deleted && it.content.ref == refFormat {
			if seen[it.content.key] {
				tx.deleteItem(it)
			} else {
				seen[it.content.key] = true
			}
		}
		it = it.left
	}
}
