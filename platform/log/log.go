// Package log builds the process's slog.Logger. Its handler copies the
// attributes stored in the context by With (request_id, user_id) into every
// record, so code logs with the …Context variants and never threads those
// values by hand.
package log

import (
	"context"
	"io"
	"log/slog"
)

// New returns a logger writing format ("json" or "text") at level to w.
func New(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(contextHandler{h})
}

// Discard is a logger that drops everything: for tests that do not look,
// and for callers that pass no logger.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

type attrsKey struct{}

// attrList is an immutable linked list so that adding an attribute to a
// context never mutates what a parent context sees.
type attrList struct {
	attr slog.Attr
	next *attrList
}

// With returns a context whose log records carry attr. Later values for the
// same key win.
func With(ctx context.Context, attr slog.Attr) context.Context {
	prev, _ := ctx.Value(attrsKey{}).(*attrList)
	return context.WithValue(ctx, attrsKey{}, &attrList{attr: attr, next: prev})
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if l, _ := ctx.Value(attrsKey{}).(*attrList); l != nil {
		seen := make(map[string]bool, 4)
		for ; l != nil; l = l.next {
			if !seen[l.attr.Key] {
				seen[l.attr.Key] = true
				r.AddAttrs(l.attr)
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
