package yprotocol

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MessageType is the first field of every message.
type MessageType uint64

// Message types of the y-websocket protocol.
const (
	MessageSync           MessageType = 0
	MessageAwareness      MessageType = 1
	MessageAuth           MessageType = 2
	MessageQueryAwareness MessageType = 3
)

// SyncType is the sub-type of a sync message.
type SyncType uint64

// Sync sub-types (y-protocols sync.js).
const (
	SyncStep1  SyncType = 0
	SyncStep2  SyncType = 1
	SyncUpdate SyncType = 2
)

// authPermissionDenied is the only auth sub-type y-protocols defines.
const authPermissionDenied = 0

// ErrMalformed is wrapped by every error about bytes that are not a valid
// message.
var ErrMalformed = errors.New("yprotocol: malformed message")

// ErrLimit is wrapped by every error about a message larger than Limits
// allow.
var ErrLimit = errors.New("yprotocol: limit exceeded")

// ErrUnknownType is wrapped (with ErrMalformed) when a message or sync
// sub-type is not one this package knows; servers usually ignore those.
var ErrUnknownType = fmt.Errorf("%w: unknown message type", ErrMalformed)

var errTruncated = fmt.Errorf("%w: unexpected end of message", ErrMalformed)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func overLimit(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrLimit}, args...)...)
}

// Limits bounds what Decode and DecodeAwareness accept. A zero field means
// the value from DefaultLimits.
type Limits struct {
	// MaxFrameSize is the largest accepted message, in bytes.
	MaxFrameSize int
	// MaxAwarenessEntries is the most entries one awareness update may
	// carry.
	MaxAwarenessEntries int
	// MaxAwarenessState is the largest JSON state of one entry, in bytes.
	MaxAwarenessState int
}

// DefaultLimits allow large first syncs of a book chapter while keeping a
// single message far from exhausting memory.
var DefaultLimits = Limits{
	MaxFrameSize:        32 << 20,
	MaxAwarenessEntries: 4096,
	MaxAwarenessState:   64 << 10,
}

func (l Limits) withDefaults() Limits {
	if l.MaxFrameSize <= 0 {
		l.MaxFrameSize = DefaultLimits.MaxFrameSize
	}
	if l.MaxAwarenessEntries <= 0 {
		l.MaxAwarenessEntries = DefaultLimits.MaxAwarenessEntries
	}
	if l.MaxAwarenessState <= 0 {
		l.MaxAwarenessState = DefaultLimits.MaxAwarenessState
	}
	return l
}

// Message is one decoded message. Which fields are set depends on Type.
type Message struct {
	Type MessageType
	// Sync is the sub-type of a MessageSync.
	Sync SyncType
	// Payload is the state vector or update of a MessageSync, or the
	// awareness update of a MessageAwareness. It points into the frame.
	Payload []byte
	// Reason explains a MessageAuth (permission denied).
	Reason string
}

// ModifiesDocument reports whether applying m changes the document: sync
// step 2 and update messages do. A read-only connection drops those, and
// may still send sync step 1 and awareness.
func (m Message) ModifiesDocument() bool {
	return m.Type == MessageSync && m.Sync != SyncStep1
}

// Decode reads one frame with DefaultLimits.
func Decode(frame []byte) (Message, error) {
	return DefaultLimits.Decode(frame)
}

// Decode reads one frame. The frame must hold exactly one message.
// Payloads are not decoded further: pass them to package yjs, or to
// DecodeAwareness.
func (l Limits) Decode(frame []byte) (Message, error) {
	l = l.withDefaults()
	if len(frame) > l.MaxFrameSize {
		return Message{}, overLimit("frame of %d bytes exceeds %d", len(frame), l.MaxFrameSize)
	}
	d := decoder{buf: frame}
	t, err := d.readVarUint()
	if err != nil {
		return Message{}, err
	}
	m := Message{Type: MessageType(t)}
	switch m.Type {
	case MessageSync:
		st, err := d.readVarUint()
		if err != nil {
			return Message{}, err
		}
		if st > uint64(SyncUpdate) {
			return Message{}, fmt.Errorf("%w: sync sub-type %d", ErrUnknownType, st)
		}
		m.Sync = SyncType(st)
		if m.Payload, err = d.readVarUint8Array(l.MaxFrameSize); err != nil {
			return Message{}, err
		}
	case MessageAwareness:
		if m.Payload, err = d.readVarUint8Array(l.MaxFrameSize); err != nil {
			return Message{}, err
		}
	case MessageAuth:
		at, err := d.readVarUint()
		if err != nil {
			return Message{}, err
		}
		if at != authPermissionDenied {
			return Message{}, fmt.Errorf("%w: auth sub-type %d", ErrUnknownType, at)
		}
		reason, err := d.readVarUint8Array(l.MaxFrameSize)
		if err != nil {
			return Message{}, err
		}
		if !utf8.Valid(reason) {
			return Message{}, malformed("reason is not valid UTF-8")
		}
		m.Reason = string(reason)
	case MessageQueryAwareness:
	default:
		return Message{}, fmt.Errorf("%w: %d", ErrUnknownType, t)
	}
	if d.remaining() != 0 {
		return Message{}, malformed("%d trailing bytes", d.remaining())
	}
	return m, nil
}

// Encode writes m as one frame.
func (m Message) Encode() []byte {
	switch m.Type {
	case MessageSync:
		return encodeSync(m.Sync, m.Payload)
	case MessageAwareness:
		return EncodeAwareness(m.Payload)
	case MessageAuth:
		return EncodePermissionDenied(m.Reason)
	}
	return appendVarUint(nil, uint64(m.Type))
}

func encodeSync(t SyncType, payload []byte) []byte {
	out := make([]byte, 0, 2+10+len(payload))
	out = appendVarUint(out, uint64(MessageSync))
	out = appendVarUint(out, uint64(t))
	return appendVarBytes(out, payload)
}

// EncodeSyncStep1 frames a state vector as sync step 1.
func EncodeSyncStep1(stateVector []byte) []byte { return encodeSync(SyncStep1, stateVector) }

// EncodeSyncStep2 frames the answer to a sync step 1.
func EncodeSyncStep2(update []byte) []byte { return encodeSync(SyncStep2, update) }

// EncodeUpdate frames a document update.
func EncodeUpdate(update []byte) []byte { return encodeSync(SyncUpdate, update) }

// EncodeAwareness frames an encoded awareness update (see
// EncodeAwarenessUpdate).
func EncodeAwareness(awarenessUpdate []byte) []byte {
	out := make([]byte, 0, 1+10+len(awarenessUpdate))
	out = appendVarUint(out, uint64(MessageAwareness))
	return appendVarBytes(out, awarenessUpdate)
}

// EncodePermissionDenied frames an auth message refusing access.
func EncodePermissionDenied(reason string) []byte {
	out := appendVarUint(nil, uint64(MessageAuth))
	out = appendVarUint(out, authPermissionDenied)
	return appendVarBytes(out, []byte(reason))
}

// EncodeQueryAwareness frames a request for every known awareness state.
func EncodeQueryAwareness() []byte { return []byte{byte(MessageQueryAwareness)} }
