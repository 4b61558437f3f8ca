package yjs

// UpdateMeta summarizes which clock ranges an update touches, like Yjs's
// parseUpdateMeta, plus how many Skips (holes) it contains.
type UpdateMeta struct {
	// From is the first clock of each client's structs, To the clock just
	// after its last struct. A client whose structs come in two separate
	// groups keeps the first clock of the later group, as in Yjs.
	From, To map[uint64]uint64
	// Skips counts Skip structs. A stored document with Skips is missing
	// updates: clients will hold the structs after the hole as pending
	// forever, so callers should alert on it.
	Skips int
}

// ParseUpdateMeta reads an update's meta data with DefaultLimits.
func ParseUpdateMeta(update []byte) (UpdateMeta, error) {
	return DefaultLimits.ParseUpdateMeta(update)
}

// ParseUpdateMeta reads an update's meta data. The whole update is
// validated.
func (l Limits) ParseUpdateMeta(update []byte) (UpdateMeta, error) {
	l = l.withDefaults()
	m := UpdateMeta{From: map[uint64]uint64{}, To: map[uint64]uint64{}}
	if err := l.checkSize(len(update)); err != nil {
		return m, err
	}
	var r structReader
	err := r.init(update, &l, false)
	if err == nil && r.ok {
		client := r.cur.ID.Client
		clock := r.cur.ID.Clock
		m.From[client] = clock
		for err == nil && r.ok {
			if r.cur.ID.Client != client {
				m.To[client] = clock
				m.From[r.cur.ID.Client] = r.cur.ID.Clock
				client = r.cur.ID.Client
			}
			if r.cur.Kind == KindSkip {
				m.Skips++
			}
			clock = r.cur.End()
			err = r.next()
		}
		m.To[client] = clock
	}
	if err == nil {
		err = skipDeleteSet(&r.d, &l)
	}
	if err == nil && r.d.remaining() != 0 {
		err = errTrailing
	}
	if err != nil {
		return UpdateMeta{}, classify(err, update)
	}
	return m, nil
}
