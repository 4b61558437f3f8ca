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

// coalesce merges what waits in a socket's backlog, in order: each run of
// at least coalesceRun consecutive document updates into one update
// message, and each run of consecutive presence messages into one. A
// client that fell behind (its reads stalled, or it is slow) then applies
// one transaction for the run instead of one per update, which is most of
// a Y.js client's cost per message, and the server writes one frame.
// Presence comes in bursts (every client renews its state every 15 s, and
// y-websocket answers every presence message it applies with one of its
// own): one message carrying the burst is applied, and answered, once.
// Nothing waits for this: only messages already queued are merged; other
// messages keep their place, and a run that cannot be merged is sent as it
// is.
func coalesce(batch [][]byte) [][]byte {
	if len(batch) < 2 {
		return batch
	}
	out := batch[:0]    // never ahead of the message being read
	var run [][]byte    // payloads of the current run of updates
	var frames [][]byte // its frames, sent as they are when it is short
	var aw [][]byte     // the current run of presence frames
	flush := func() {
		switch {
		case len(run) >= coalesceRun:
			if merged, err := yjs.MergeUpdates(run); err == nil {
				out = append(out, yprotocol.EncodeUpdate(merged))
			} else {
				out = append(out, frames...)
			}
		case len(frames) > 0:
			out = append(out, frames...)
		case len(aw) > 1:
			out = append(out, mergePresence(aw)...)
		case len(aw) == 1:
			out = append(out, aw[0])
		}
		run, frames, aw = run[:0], frames[:0], aw[:0]
	}
	for _, frame := range batch {
		if len(frame) > 0 && frame[0] == byte(yprotocol.MessageAwareness) {
			if len(frames) > 0 {
				flush()
			}
			aw = append(aw, frame)
			continue
		}
		if len(aw) > 0 {
			flush()
		}
		if len(batch) >= coalesceRun {
			m, err := yprotocol.Decode(frame)
			if err == nil && m.Type == yprotocol.MessageSync && m.Sync == yprotocol.SyncUpdate {
				run = append(run, m.Payload)
				frames = append(frames, frame)
				continue
			}
		}
		flush()
		out = append(out, frame)
	}
	flush()
	return out
}

// mergePresence joins presence frames into one message holding, for each
// client, the entry a peer applying them in order keeps (y-protocols: the
// newest clock; at an equal clock, a removal). It returns the frames as
// they are if one cannot be read.
func mergePresence(frames [][]byte) [][]byte {
	var entries []yprotocol.AwarenessEntry
	at := map[uint64]int{} // client → index in entries
	for _, f := range frames {
		m, err := yprotocol.Decode(f)
		if err != nil || m.Type != yprotocol.MessageAwareness {
			return frames
		}
		es, err := yprotocol.DecodeAwareness(m.Payload)
		if err != nil {
			return frames
		}
		for _, e := range es {
			i, seen := at[e.ClientID]
			switch {
			case !seen:
				at[e.ClientID] = len(entries)
				entries = append(entries, e)
			case e.Clock > entries[i].Clock || e.Clock == entries[i].Clock && e.Removed() && !entries[i].Removed():
				entries[i] = e
			}
		}
	}
	// Keep-alives (no entries) merge into the one message, which still
	// counts as traffic for the client's watchdog.
	return [][]byte{yprotocol.EncodeAwareness(yprotocol.EncodeAwarenessUpdate(entries))}
}
