package yjs

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about bytes that are not a valid V1
// update, state vector or lib0 value.
var ErrMalformed = errors.New("yjs: malformed input")

// ErrLimit is wrapped by every error about input that is well formed but
// larger or deeper than the configured Limits allow.
var ErrLimit = errors.New("yjs: limit exceeded")

// ErrUpdateV2 is returned (wrapped in ErrMalformed) when the input looks like
// an update in format V2. Only V1 is supported: y-websocket clients never
// send V2, and accepting it would mean a second, larger decoder to secure.
var ErrUpdateV2 = fmt.Errorf("%w: update format V2 is not supported", ErrMalformed)

var (
	errTruncated      = fmt.Errorf("%w: unexpected end of data", ErrMalformed)
	errIntRange       = fmt.Errorf("%w: integer beyond 2^53-1", ErrMalformed)
	errVarUintTooLong = fmt.Errorf("%w: varUint longer than 8 bytes", ErrMalformed)
	errInvalidUTF8    = fmt.Errorf("%w: string is not valid UTF-8", ErrMalformed)
	errTrailing       = fmt.Errorf("%w: trailing bytes after the end", ErrMalformed)
	errClockRange     = fmt.Errorf("%w: clock beyond 2^53-1", ErrMalformed)
	errDepth          = fmt.Errorf("%w: value nested too deeply", ErrLimit)
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func overLimit(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrLimit}, args...)...)
}
