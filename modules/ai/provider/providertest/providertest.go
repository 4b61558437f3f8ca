// Package providertest runs local fake model servers speaking the wire
// formats of OpenAI's Chat Completions API and Anthropic's Messages API,
// JSON and SSE, so tests drive the real SDKs through our adapters: what
// passes here passes the SDKs' own decoding. Each server answers from a
// queue of scripted Replies, then from a responder function, and records
// every call (counts, bodies, headers) for assertions.
//
// The shapes follow docs/ai.md (B.3), which were checked against the SDK
// versions we use: Anthropic events carry `event:` lines (the SDK skips
// data-only events), OpenAI streams end with `data: [DONE]` and carry usage
// in a last chunk without choices when the request asks for it.
package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/ai/provider"
)

// Kind is the wire format a Server speaks.
type Kind string

// The wire formats.
const (
	OpenAI    Kind = "openai"
	Anthropic Kind = "anthropic"
)

// Reply scripts one answer.
type Reply struct {
	// Status, when not 200, answers an error of ErrorType (defaults per
	// status) with the Retry-After headers below.
	Status       int
	ErrorType    string
	RetryAfter   string
	RetryAfterMs string
	// Text is the answer ("ok" when empty); a stream sends it in Chunks
	// when they are given, else in pieces of a few words.
	Text   string
	Chunks []string
	// FinishReason is OpenAI's word ("stop", "length"); Anthropic's is
	// derived ("end_turn", "max_tokens").
	FinishReason string
	InputTokens  int
	OutputTokens int
	// Refuse answers a content-policy refusal (OpenAI: message.refusal;
	// Anthropic: stop_reason "refusal").
	Refuse bool
	// StreamErrorAfter, when positive, makes a stream send that many text
	// pieces and then an error event of StreamErrorType.
	StreamErrorAfter int
	StreamErrorType  string
	// Hang makes the server wait until the client goes away.
	Hang bool
	// HangAfter, when positive, makes a stream send that many pieces and
	// then wait until the client goes away.
	HangAfter int
	// Delay waits before answering.
	Delay time.Duration
}

// Call is one request the server received.
type Call struct {
	Path      string
	Header    http.Header
	Body      []byte
	Stream    bool
	Model     string
	System    string
	User      string // the user messages, joined by blank lines
	MaxTokens int
	// Schema is the JSON schema the request asked the answer to follow
	// (OpenAI response_format, Anthropic output_config), or nil.
	Schema json.RawMessage
}

// Server is one fake provider.
type Server struct {
	Kind    Kind
	srv     *httptest.Server
	closing chan struct{}

	mu      sync.Mutex
	queue   []Reply
	respond func(Call) Reply
	calls   []Call
	n       atomic.Int64
}

// NewOpenAI starts a fake OpenAI-compatible server for the test.
func NewOpenAI(t testing.TB) *Server { return newServer(t, OpenAI) }

// NewAnthropic starts a fake Anthropic server for the test.
func NewAnthropic(t testing.TB) *Server { return newServer(t, Anthropic) }

func newServer(t testing.TB, k Kind) *Server {
	s := &Server{Kind: k, closing: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.closing)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// BaseURL is what the provider's base URL setting takes: with /v1 for
// OpenAI (as compatible servers are configured), without for Anthropic.
func (s *Server) BaseURL() string {
	if s.Kind == OpenAI {
		return s.srv.URL + "/v1"
	}
	return s.srv.URL
}

// Provider is our adapter pointed at this server (an OpenAI server is an
// "openai_compatible" provider, as any server at a base URL is).
func (s *Server) Provider() provider.Provider {
	if s.Kind == OpenAI {
		return provider.NewOpenAI(provider.OpenAIConfig{APIKey: "test-openai-key", BaseURL: s.BaseURL()})
	}
	return provider.NewAnthropic(provider.AnthropicConfig{APIKey: "test-anthropic-key", BaseURL: s.BaseURL()})
}

// Then queues replies, answered in order before the responder.
func (s *Server) Then(replies ...Reply) *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
	return s
}

// Respond sets the answer to calls once the queue is empty (by default,
// "ok").
func (s *Server) Respond(f func(Call) Reply) *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
	return s
}

// Calls is how many requests the server received.
func (s *Server) Calls() int { return int(s.n.Load()) }

// Requests returns a copy of every call received, in order.
func (s *Server) Requests() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Reset forgets the calls received so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
	s.n.Store(0)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	want := "/v1/chat/completions"
	if s.Kind == Anthropic {
		want = "/v1/messages"
	}
	if r.Method != http.MethodPost || r.URL.Path != want {
		s.writeError(w, http.StatusNotFound, "not_found_error", "", "")
		return
	}
	c := s.parse(r, body)
	s.n.Add(1)
	s.mu.Lock()
	s.calls = append(s.calls, c)
	var rep Reply
	switch {
	case len(s.queue) > 0:
		rep, s.queue = s.queue[0], s.queue[1:]
	case s.respond != nil:
		f := s.respond
		s.mu.Unlock()
		rep = f(c)
		s.mu.Lock()
	}
	s.mu.Unlock()

	if rep.Delay > 0 && !s.wait(r, rep.Delay) {
		return
	}
	if rep.Hang {
		s.wait(r, -1)
		return
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		s.writeError(w, rep.Status, rep.ErrorType, rep.RetryAfter, rep.RetryAfterMs)
		return
	}
	if rep.Text == "" {
		rep.Text = "ok"
	}
	if rep.InputTokens == 0 {
		rep.InputTokens = max(1, len(c.System+c.User)/4)
	}
	if rep.OutputTokens == 0 {
		rep.OutputTokens = max(1, len(rep.Text)/4)
	}
	if rep.FinishReason == "" {
		rep.FinishReason = "stop"
	}
	switch {
	case s.Kind == OpenAI && c.Stream:
		s.openAIStream(w, r, c, rep)
	case s.Kind == OpenAI:
		s.openAIJSON(w, c, rep)
	case c.Stream:
		s.anthropicStream(w, r, c, rep)
	default:
		s.anthropicJSON(w, c, rep)
	}
}

// wait sleeps d (d < 0: forever) unless the client goes away or the
// server closes; it reports whether the time passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	var after <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-after:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

func (s *Server) parse(r *http.Request, body []byte) Call {
	c := Call{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	var req struct {
		Model               string          `json:"model"`
		Stream              bool            `json:"stream"`
		MaxTokens           int             `json:"max_tokens"`
		MaxCompletionTokens int             `json:"max_completion_tokens"`
		System              json.RawMessage `json:"system"`
		Messages            []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		ResponseFormat struct {
			JSONSchema struct {
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
		OutputConfig struct {
			Format struct {
				Schema json.RawMessage `json:"schema"`
			} `json:"format"`
		} `json:"output_config"`
	}
	_ = json.Unmarshal(body, &req)
	c.Model, c.Stream, c.MaxTokens = req.Model, req.Stream, max(req.MaxTokens, req.MaxCompletionTokens)
	c.Schema = req.ResponseFormat.JSONSchema.Schema
	if len(req.OutputConfig.Format.Schema) > 0 {
		c.Schema = req.OutputConfig.Format.Schema
	}
	var users []string
	if len(req.System) > 0 {
		c.System = textOf(req.System)
	}
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			c.System = textOf(m.Content)
		case "user":
			users = append(users, textOf(m.Content))
		}
	}
	c.User = strings.Join(users, "\n\n")
	return c
}

// textOf reads a content field: a string, or a list of text blocks.
func textOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var blocks []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.Text)
	}
	return b.String()
}

func (s *Server) writeError(w http.ResponseWriter, status int, typ, retryAfter, retryAfterMs string) {
	if typ == "" {
		typ = defaultErrorType(s.Kind, status)
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if retryAfterMs != "" {
		w.Header().Set("Retry-After-Ms", retryAfterMs)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var body any
	if s.Kind == OpenAI {
		body = map[string]any{"error": map[string]any{"message": "fake error " + strconv.Itoa(status), "type": typ, "param": nil, "code": typ}}
	} else {
		body = map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": "fake error " + strconv.Itoa(status)}}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func defaultErrorType(k Kind, status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == 529:
		return "overloaded_error"
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status >= 500:
		return "api_error"
	case k == OpenAI:
		return "invalid_request_error"
	default:
		return "invalid_request_error"
	}
}

// pieces splits an answer for streaming.
func pieces(rep Reply) []string {
	if len(rep.Chunks) > 0 {
		return rep.Chunks
	}
	var out []string
	words := strings.SplitAfter(rep.Text, " ")
	for i := 0; i < len(words); i += 3 {
		out = append(out, strings.Join(words[i:min(i+3, len(words))], ""))
	}
	return out
}

func (s *Server) openAIJSON(w http.ResponseWriter, c Call, rep Reply) {
	msg := map[string]any{"role": "assistant", "content": rep.Text, "refusal": nil}
	finish := rep.FinishReason
	if rep.Refuse {
		msg["content"], msg["refusal"] = nil, "I can't help with that."
	}
	writeJSON(w, map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": c.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish, "logprobs": nil}},
		"usage":   map[string]any{"prompt_tokens": rep.InputTokens, "completion_tokens": rep.OutputTokens, "total_tokens": rep.InputTokens + rep.OutputTokens},
	})
}

func (s *Server) openAIStream(w http.ResponseWriter, r *http.Request, c Call, rep Reply) {
	fl := startSSE(w)
	chunk := func(delta map[string]any, finish any) {
		writeData(w, fl, map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": c.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": nil}},
		})
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	if rep.Refuse {
		chunk(map[string]any{"refusal": "I can't help with that."}, nil)
		chunk(map[string]any{}, "stop")
		fmt.Fprint(w, "data: [DONE]\n\n")
		fl.Flush()
		return
	}
	for i, p := range pieces(rep) {
		if rep.StreamErrorAfter > 0 && i == rep.StreamErrorAfter {
			typ := rep.StreamErrorType
			if typ == "" {
				typ = "server_error"
			}
			writeData(w, fl, map[string]any{"error": map[string]any{"message": "fake stream error", "type": typ, "code": typ}})
			return
		}
		if rep.HangAfter > 0 && i == rep.HangAfter {
			s.wait(r, -1)
			return
		}
		chunk(map[string]any{"content": p}, nil)
	}
	chunk(map[string]any{}, rep.FinishReason)
	if strings.Contains(string(c.Body), `"include_usage":true`) {
		writeData(w, fl, map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": c.Model,
			"choices": []any{}, "usage": map[string]any{"prompt_tokens": rep.InputTokens, "completion_tokens": rep.OutputTokens, "total_tokens": rep.InputTokens + rep.OutputTokens},
		})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

func anthropicStop(rep Reply) string {
	switch {
	case rep.Refuse:
		return "refusal"
	case rep.FinishReason == "length":
		return "max_tokens"
	default:
		return "end_turn"
	}
}

func (s *Server) anthropicJSON(w http.ResponseWriter, c Call, rep Reply) {
	content := []any{map[string]any{"type": "text", "text": rep.Text}}
	if rep.Refuse {
		content = []any{}
	}
	writeJSON(w, map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": c.Model, "content": content,
		"stop_reason": anthropicStop(rep), "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": rep.InputTokens, "output_tokens": rep.OutputTokens},
	})
}

func (s *Server) anthropicStream(w http.ResponseWriter, r *http.Request, c Call, rep Reply) {
	fl := startSSE(w)
	event := func(name string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		fl.Flush()
	}
	event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": c.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": rep.InputTokens, "output_tokens": 1},
	}})
	if !rep.Refuse {
		event("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
		event("ping", map[string]any{"type": "ping"})
		for i, p := range pieces(rep) {
			if rep.StreamErrorAfter > 0 && i == rep.StreamErrorAfter {
				typ := rep.StreamErrorType
				if typ == "" {
					typ = "overloaded_error"
				}
				event("error", map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": "fake stream error"}})
				return
			}
			if rep.HangAfter > 0 && i == rep.HangAfter {
				s.wait(r, -1)
				return
			}
			event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": p}})
		}
		event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	}
	event("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": anthropicStop(rep), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": rep.OutputTokens}})
	event("message_stop", map[string]any{"type": "message_stop"})
}

func startSSE(w http.ResponseWriter) http.Flusher {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	fl.Flush()
	return fl
}

func writeData(w http.ResponseWriter, fl http.Flusher, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "data: %s\n\n", b)
	fl.Flush()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
