package jobs

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

var errResultTooLarge = fmt.Errorf("the result is larger than %d bytes", MaxResultBytes)

// encodeResult stores a handler's result: small ones as JSON, larger ones
// gzip-compressed (a consistency report of a long book compresses several
// times over), anything beyond MaxResultBytes refused.
func encodeResult(v any) (inline, gz []byte, err error) {
	if v == nil {
		return nil, nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, nil, fmt.Errorf("encode result: %w", err)
	}
	switch {
	case len(raw) > MaxResultBytes:
		return nil, nil, errResultTooLarge
	case len(raw) <= InlineResultBytes:
		return raw, nil, nil
	}
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		return nil, nil, err
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	return nil, b.Bytes(), nil
}

// decodeResult is the stored result as JSON (nil for none).
func decodeResult(inline, gz []byte) (json.RawMessage, error) {
	if gz == nil {
		return inline, nil
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("stored result: %w", err)
	}
	// The bound holds even against a damaged row.
	raw, err := io.ReadAll(io.LimitReader(r, MaxResultBytes+1))
	if err == nil && len(raw) > MaxResultBytes {
		err = errors.New("stored result is larger than the limit")
	}
	if err != nil {
		return nil, fmt.Errorf("stored result: %w", err)
	}
	return raw, nil
}
