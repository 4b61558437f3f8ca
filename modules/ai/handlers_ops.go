package ai

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
)

// handleExpand handles POST /api/v1/ai/expand.
func (m *Module) handleExpand(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.configured(OpExpand); err != nil {
		return err
	}
	req, err := httpx.Decode[expandRequest](w, r, httpx.MaxBytes(maxOpRequest))
	if err != nil {
		return err
	}
	return m.answer(w, r, func(ctx context.Context, out sink) (answer, error) {
		return m.svc.Expand(ctx, authn.UserID(ctx), req, out)
	})
}

// handleRewrite handles POST /api/v1/ai/rewrite.
func (m *Module) handleRewrite(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.configured(OpRewrite); err != nil {
		return err
	}
	req, err := httpx.Decode[rewriteRequest](w, r, httpx.MaxBytes(maxOpRequest))
	if err != nil {
		return err
	}
	return m.answer(w, r, func(ctx context.Context, out sink) (answer, error) {
		return m.svc.Rewrite(ctx, authn.UserID(ctx), req, out)
	})
}

// handleSummarize handles POST /api/v1/ai/summarize.
func (m *Module) handleSummarize(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.configured(OpSummarize); err != nil {
		return err
	}
	req, err := httpx.Decode[summarizeRequest](w, r, httpx.MaxBytes(maxOpRequest))
	if err != nil {
		return err
	}
	return m.answer(w, r, func(ctx context.Context, out sink) (answer, error) {
		return m.svc.Summarize(ctx, authn.UserID(ctx), req, out)
	})
}

// handleDraft handles POST /api/v1/ai/draft: 202 and the job.
func (m *Module) handleDraft(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.configured(OpDraft); err != nil {
		return err
	}
	req, err := httpx.Decode[draftRequest](w, r, httpx.MaxBytes(maxOpRequest))
	if err != nil {
		return err
	}
	ctx := r.Context()
	ref, view, err := m.svc.StartDraft(ctx, authn.UserID(ctx), req)
	if err != nil {
		return err
	}
	return accepted(w, ref, view)
}

// handleConsistency handles POST /api/v1/ai/consistency: 202 and the job
// (the one already running, when the caller has one for the book).
func (m *Module) handleConsistency(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.configured(OpConsistency); err != nil {
		return err
	}
	req, err := httpx.Decode[consistencyRequest](w, r, httpx.MaxBytes(maxOpRequest))
	if err != nil {
		return err
	}
	ctx := r.Context()
	ref, view, err := m.svc.StartConsistency(ctx, authn.UserID(ctx), req)
	if err != nil {
		return err
	}
	return accepted(w, ref, view)
}

// accepted answers 202 with the job as GET /api/v1/jobs/{id} shows it.
func accepted(w http.ResponseWriter, ref module.JobRef, view json.RawMessage) error {
	w.Header().Set("Location", "/api/v1/jobs/"+ref.ID.String())
	w.Header().Set("Retry-After", "2")
	return httpx.Encode(w, http.StatusAccepted, view)
}

// answer runs a synchronous operation and answers JSON, or, when the
// client asked for an event stream, streams it: delta events as text
// arrives, then usage and done; a failure after the stream began is an
// error event carrying the problem the JSON answer would have had. Before
// it began (bad input, access, allowance), the answer is a plain problem.
func (m *Module) answer(w http.ResponseWriter, r *http.Request, run func(context.Context, sink) (answer, error)) error {
	// The operation's budget counts from here, once the body is in (the
	// route's deadline also allowed for reading it).
	budget := m.svc.budgets.Sync
	if m.wantsStream(r) {
		budget = m.svc.budgets.Stream
	}
	ctx, cancel := context.WithTimeout(r.Context(), budget)
	defer cancel()
	if !m.wantsStream(r) {
		a, err := run(ctx, nil)
		if err != nil {
			return err
		}
		return httpx.Encode(w, http.StatusOK, toAnswerResponse(a))
	}
	sw := newSSEWriter(w)
	defer sw.close()
	a, err := run(ctx, &streamSink{sw: sw, keepAlive: m.svc.budgets.KeepAlive})
	if err != nil {
		if !sw.begun() {
			return err
		}
		if p, ok := httpx.StreamProblem(r, err); ok {
			_ = sw.event(eventError, p)
		}
		return nil
	}
	if err := sw.start(m.svc.budgets.KeepAlive); err != nil {
		return nil // the client has gone
	}
	_ = sw.event(eventUsage, toUsageResponse(a.Usage))
	_ = sw.event(eventDone, toAnswerResponse(a))
	return nil
}

// streamSink sends a call's text as delta events.
type streamSink struct {
	sw        *sseWriter
	keepAlive time.Duration
}

type deltaEvent struct {
	Text    string `json:"text"`
	Variant int    `json:"variant"`
}

func (s *streamSink) begin() error { return s.sw.start(s.keepAlive) }

func (s *streamSink) delta(variant int, text string) error {
	return s.sw.event(eventDelta, deltaEvent{Text: text, Variant: variant})
}
