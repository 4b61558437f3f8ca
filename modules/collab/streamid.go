package collab

import (
	"fmt"
	"strconv"
	"strings"
)

// streamID is a Redis stream entry id, "<ms>-<seq>". Ids grow with every
// entry of a stream, so they order updates and say how far a reader got.
type streamID struct{ ms, seq uint64 }

func parseStreamID(s string) (streamID, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, fmt.Errorf("stream id %q: no '-'", s)
	}
	ms, err := strconv.ParseUint(a, 10, 63)
	if err != nil {
		return streamID{}, fmt.Errorf("stream id %q: %w", s, err)
	}
	seq, err := strconv.ParseUint(b, 10, 63)
	if err != nil {
		return streamID{}, fmt.Errorf("stream id %q: %w", s, err)
	}
	return streamID{ms, seq}, nil
}

func (id streamID) String() string {
	return strconv.FormatUint(id.ms, 10) + "-" + strconv.FormatUint(id.seq, 10)
}

// after reports whether id comes after o in its stream.
func (id streamID) after(o streamID) bool {
	return id.ms > o.ms || id.ms == o.ms && id.seq > o.seq
}

func (id streamID) isZero() bool { return id == streamID{} }
