package collab

import "time"

// Limits, documented in docs/limits.md and docs/collab.md. A connection that
// exceeds one is closed with a close code that says which (closecodes.go);
// nothing else in its room notices.
const (
	// MaxMessageBytes is the largest WebSocket message a client may send: a
	// first sync from a client that edited a long chapter offline fits with
	// room to spare. Larger messages close the connection with 4413, a
	// code y-websocket does not retry (a retried oversized message would
	// loop forever, as y-websocket#189 shows).
	MaxMessageBytes = 16 << 20
	// MaxDocumentBytes caps a document (its merged updates, deleted text
	// included): an update that would grow it past this is refused with
	// 4413 "document too large". A chapter of 40,000 characters with its
	// whole editing history is about 0.5 MB.
	MaxDocumentBytes = 32 << 20
	// MaxMergeCells bounds the table of the block merge that turns a REST
	// write into an update (blocks changed in the write × blocks changed in
	// the document; int32 cells: 16 MiB). Past it the changed middles are
	// not paired: the write's blocks are put beside the document's, and
	// nothing is lost.
	MaxMergeCells = 4 << 20
	// MaxConnsPerDocument counts the sockets open on one chapter across
	// every instance.
	MaxConnsPerDocument = 100
	// MaxConnsPerUser counts one user's sockets across every instance and
	// chapter (tabs, devices).
	MaxConnsPerUser = 20
	// MaxAwarenessState is the largest presence state (JSON) of one client;
	// a cursor with a name and a colour is a few hundred bytes.
	MaxAwarenessState = 16 << 10
	// MaxAwarenessEntries is the most client states one awareness message
	// may carry (a client answering a query sends every state it knows).
	MaxAwarenessEntries = 1024
	// SendQueueMessages and SendQueueBytes bound what waits to be written
	// to one client. A client that falls that far behind is disconnected
	// (1013, so it reconnects and catches up with a sync) instead of
	// holding memory or slowing its room.
	SendQueueMessages = 4096
	SendQueueBytes    = 8 << 20
	// MessagesPerSecond and MessageBurst are a token bucket per connection:
	// typing with a cursor sends a few dozen messages a second. A client
	// past it is closed with 4429.
	MessagesPerSecond = 200
	MessageBurst      = 1000
	// TicketTTL is how long a collab ticket opens sockets. An open socket
	// lasts as long as the access token the ticket was minted with.
	TicketTTL = 2 * time.Minute
)

// Limits are the enforced values; New fills zero fields from the constants
// above. Tests lower them.
type Limits struct {
	MaxMessageBytes     int
	MaxDocumentBytes    int
	MaxConnsPerDocument int
	MaxConnsPerUser     int
	SendQueueMessages   int
	SendQueueBytes      int
	MessagesPerSecond   float64
	MessageBurst        float64
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxMessageBytes, MaxMessageBytes)
	def(&l.MaxDocumentBytes, MaxDocumentBytes)
	def(&l.MaxConnsPerDocument, MaxConnsPerDocument)
	def(&l.MaxConnsPerUser, MaxConnsPerUser)
	def(&l.SendQueueMessages, SendQueueMessages)
	def(&l.SendQueueBytes, SendQueueBytes)
	if l.MessagesPerSecond <= 0 {
		l.MessagesPerSecond = MessagesPerSecond
	}
	if l.MessageBurst <= 0 {
		l.MessageBurst = MessageBurst
	}
	return l
}

// Timing holds the server's intervals; New fills zero fields from
// DefaultTiming. Tests shorten them.
type Timing struct {
	// Recheck is how often an open socket's token, session, role and
	// chapter are checked again (logout, removal from the book, a trashed
	// chapter end it within this).
	Recheck time.Duration
	// KeepAlive is the longest a client goes without a message from the
	// server: y-websocket reconnects after 30 s of silence.
	KeepAlive time.Duration
	// Idle is how long a client may stay silent before it is pinged;
	// PingTimeout how long the pong may take before the socket is closed.
	Idle        time.Duration
	PingTimeout time.Duration
	// WriteTimeout bounds one write to a client.
	WriteTimeout time.Duration
	// Flush is how often accepted updates are written to PostgreSQL.
	Flush time.Duration
	// CompactIdle is how long after its last change a document is
	// compacted; CompactRows and CompactBytes compact sooner.
	CompactIdle  time.Duration
	CompactRows  int
	CompactBytes int
	// StreamGrace is how much of a stream is kept behind the snapshot for
	// readers that lag.
	StreamGrace time.Duration
	// Unload is how long a room stays loaded after its last local client
	// left, so that a reconnecting client does not reload it.
	Unload time.Duration
	// AwarenessTimeout drops a presence state not renewed for this long
	// (clients renew every 15 s and drop others' after 30 s).
	AwarenessTimeout time.Duration
	// Lease is how long a connection counts toward the per-user and
	// per-document limits without being renewed (an instance that dies
	// stops renewing).
	Lease time.Duration
	// ShutdownSpread spreads the "going away" closes of a shutdown, so the
	// clients do not all reconnect in the same instant.
	ShutdownSpread time.Duration
	// Sweep is how often an instance looks for orphaned streams: updates of
	// a document no instance serves any more (the one that did died) that
	// are not in PostgreSQL yet, their last entry older than Orphan.
	Sweep  time.Duration
	Orphan time.Duration
	// RenderQuiet is how long after the last edit accepted here a document
	// is rendered back to its chapter; RenderMax bounds the wait while
	// edits go on.
	RenderQuiet time.Duration
	RenderMax   time.Duration
}

// DefaultTiming are the production intervals.
var DefaultTiming = Timing{
	Recheck:          5 * time.Second,
	KeepAlive:        15 * time.Second,
	Idle:             45 * time.Second,
	PingTimeout:      15 * time.Second,
	WriteTimeout:     10 * time.Second,
	Flush:            250 * time.Millisecond,
	CompactIdle:      10 * time.Second,
	CompactRows:      200,
	CompactBytes:     512 << 10,
	StreamGrace:      60 * time.Second,
	Unload:           60 * time.Second,
	AwarenessTimeout: 30 * time.Second,
	Lease:            45 * time.Second,
	ShutdownSpread:   2 * time.Second,
	Sweep:            15 * time.Second,
	Orphan:           time.Minute,
	RenderQuiet:      2 * time.Second,
	RenderMax:        10 * time.Second,
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming
	dur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	dur(&t.Recheck, d.Recheck)
	dur(&t.KeepAlive, d.KeepAlive)
	dur(&t.Idle, d.Idle)
	dur(&t.PingTimeout, d.PingTimeout)
	dur(&t.WriteTimeout, d.WriteTimeout)
	dur(&t.Flush, d.Flush)
	dur(&t.CompactIdle, d.CompactIdle)
	dur(&t.StreamGrace, d.StreamGrace)
	dur(&t.Unload, d.Unload)
	dur(&t.AwarenessTimeout, d.AwarenessTimeout)
	dur(&t.Lease, d.Lease)
	dur(&t.ShutdownSpread, d.ShutdownSpread)
	dur(&t.Sweep, d.Sweep)
	dur(&t.Orphan, d.Orphan)
	dur(&t.RenderQuiet, d.RenderQuiet)
	dur(&t.RenderMax, d.RenderMax)
	if t.CompactRows <= 0 {
		t.CompactRows = d.CompactRows
	}
	if t.CompactBytes <= 0 {
		t.CompactBytes = d.CompactBytes
	}
	return t
}
