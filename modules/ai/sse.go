package ai

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The events of our stream (docs/ai.md). They are ours, whatever the
// provider: the browser never sees a provider's format.
const (
	eventDelta = "delta" // {"text": "...", "variant": 0}
	eventUsage = "usage" // {"input_tokens": n, "output_tokens": n}
	eventDone  = "done"  // the whole answer, as the JSON answer would be
	eventError = "error" // {"type", "title", "status", "detail"}: a problem, after the stream began
)

// writeStall bounds one write to the client: one that does not take our
// bytes for this long has gone, and the stream ends.
const writeStall = 30 * time.Second

// sseWriter writes our events, and a keep-alive comment while nothing else
// is written. Its writes are serialised: the keep-alive runs on its own
// goroutine.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController

	mu      sync.Mutex
	started bool
	err     error // the first write failure; every later write returns it
	last    time.Time
	stop    chan struct{}
	done    chan struct{}
}

func newSSEWriter(w http.ResponseWriter) *sseWriter {
	return &sseWriter{w: w, rc: http.NewResponseController(w)}
}

// start sends the headers and begins the keep-alive. Until it is called,
// a failure can still be answered with a status and a problem body.
func (s *sseWriter) start(keepAlive time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return s.err
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold the events back
	s.w.WriteHeader(http.StatusOK)
	s.flushLocked()
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.keepAlive(keepAlive)
	return s.err
}

func (s *sseWriter) keepAlive(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			if time.Since(s.last) >= every/2 {
				s.writeLocked(": ping\n\n")
			}
			s.mu.Unlock()
		}
	}
}

// event writes one event.
func (s *sseWriter) event(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked("event: " + name + "\ndata: " + string(b) + "\n\n")
}

func (s *sseWriter) writeLocked(chunk string) error {
	if s.err != nil {
		return s.err
	}
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeStall)) // not every writer has one
	if _, err := fmt.Fprint(s.w, chunk); err != nil {
		s.err = err
		return err
	}
	s.last = time.Now()
	return s.flushLocked()
}

func (s *sseWriter) flushLocked() error {
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.err = err
	}
	return s.err
}

// begun reports whether the headers have been sent.
func (s *sseWriter) begun() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// close ends the keep-alive.
func (s *sseWriter) close() {
	s.mu.Lock()
	started := s.started && s.stop != nil
	s.mu.Unlock()
	if started {
		close(s.stop)
		<-s.done
	}
}

// wantsStream reports whether r asks for an event stream: Accept names
// text/event-stream (with a non-zero q).
func wantsEventStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == "text/event-stream" && params["q"] != "0" && params["q"] != "0.0" {
				return true
			}
		}
	}
	return false
}

// wantsStream is true for a stream request where streams are possible (not
// behind Lambda's buffering proxy, where it is answered as JSON).
func (m *Module) wantsStream(r *http.Request) bool {
	return !m.svc.buffered && wantsEventStream(r)
}
