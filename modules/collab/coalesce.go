package collab

import (
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// coalesce merges each run of consecutive document updates in a socket's
// backlog into one update message. A client that fell behind (its reads
// stalled, or it is slow) then applies one transaction for the run instead
// of one per update, which is most of a Y.js client's cost per message, and
// the server writes one frame. Nothing waits for this: only messages
// already queued are merged, in order; awareness and other messages keep
// their place. A run that cannot be merged is sent as it is.
func coalesce(batch [][]byte) [][]byte {
	if len(batch) < 2 {
		return batch
	}
	out := batch[:0]
	var run [][]byte // payloads of the current run of updates
	var first []byte // the run's first frame, sent as is when alone
	flush := func() {
		switch {
		case len(run) == 1:
			out = append(out, first)
		case len(run) > 1:
			if merged, err := yjs.MergeUpdates(run); err == nil {
				out = append(out, yprotocol.EncodeUpdate(merged))
			} else {
				for _, u := range run {
					out = append(out, yprotocol.EncodeUpdate(u))
				}
			}
		}
		run, first = run[:0], nil
	}
	for _, frame := range batch {
		m, err := yprotocol.Decode(frame)
		if err == nil && m.Type == yprotocol.MessageSync && m.Sync == yprotocol.SyncUpdate {
			if len(run) == 0 {
				first = frame
			}
			run = append(run, m.Payload)
			continue
		}
		flush()
		out = append(out, frame)
	}
	flush()
	return out
}
