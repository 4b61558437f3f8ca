package collab

import (
	"github.com/thebrain/thebrain/modules/collab/yjs"
	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

// coalesceRun is the shortest run of queued updates worth merging: shorter
// runs are the ordinary jitter of a client keeping up, where writing the
// frames costs the server less than merging them (a merge runs once per
// socket); a longer one is a client that fell behind.
const coalesceRun = 16

// coalesce merges each run of at least coalesceRun consecutive document
// updates in a socket's backlog into one update message. A client that
// fell behind (its reads stalled, or it is slow) then applies one
// transaction for the run instead of one per update, which is most of a
// Y.js client's cost per message, and the server writes one frame.
// Nothing waits for this: only messages already queued are merged, in
// order; awareness and other messages keep their place. A run that cannot
// be merged is sent as it is.
func coalesce(batch [][]byte) [][]byte {
	if len(batch) < coalesceRun {
		return batch
	}
	out := batch[:0]
	var run [][]byte    // payloads of the current run of updates
	var frames [][]byte // its frames, sent as they are when it is short
	flush := func() {
		defer func() { run, frames = run[:0], frames[:0] }()
		if len(run) >= coalesceRun {
			if merged, err := yjs.MergeUpdates(run); err == nil {
				out = append(out, yprotocol.EncodeUpdate(merged))
				return
			}
		}
		out = append(out, frames...)
	}
	for _, frame := range batch {
		m, err := yprotocol.Decode(frame)
		if err == nil && m.Type == yprotocol.MessageSync && m.Sync == yprotocol.SyncUpdate {
			run = append(run, m.Payload)
			frames = append(frames, frame)
			continue
		}
		flush()
		out = append(out, frame)
	}
	flush()
	return out
}
