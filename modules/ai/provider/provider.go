// Package provider is how the AI module talks to language models: one small
// interface of ours (Complete, Stream) with adapters over the official SDKs
// (OpenAI, Anthropic, and any OpenAI-compatible server by base URL), and a
// Chain that retries and falls back. The rest of the AI module never sees a
// provider's types or wire format.
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Provider is one configured model vendor.
type Provider interface {
	// Name is "anthropic", "openai" or "openai_compatible".
	Name() string
	// Complete runs one request to the end.
	Complete(ctx context.Context, r Request) (Response, error)
	// Stream runs one request, calling onDelta with each piece of text as
	// it arrives, and returns the whole response at the end. Once onDelta
	// has been called, a failure is never retried (the caller has shown
	// text).
	Stream(ctx context.Context, r Request, onDelta func(text string) error) (Response, error)
}

// Role of a message.
type Role string

// The roles of a conversation.
const (
	User      Role = "user"
	Assistant Role = "assistant"
)

// Message is one turn.
type Message struct {
	Role    Role
	Content string
}

// Request is what every provider is asked, in our terms.
type Request struct {
	// Model is the provider's model id (resolved from configuration).
	Model    string
	System   string
	Messages []Message
	// MaxTokens caps the output.
	MaxTokens   int
	Temperature float64
	// Schema, when set, asks for JSON output matching this JSON Schema
	// (structured outputs). The answer is still validated by the caller.
	Schema json.RawMessage
	// SchemaName names the schema (OpenAI requires one).
	SchemaName string
}

// Usage counts tokens.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Response is a finished answer.
type Response struct {
	Text string
	// FinishReason is "stop", "length" (output cap reached), or the
	// provider's own word for anything else.
	FinishReason string
	Usage        Usage
	// Provider and Model say who answered (after fallbacks).
	Provider string
	Model    string
	// Attempts is how many calls were made in all, FellBack whether a
	// provider after the first answered.
	Attempts int
	FellBack bool
	Latency  time.Duration
}

// Error is a provider failure, classified for the retry loop and for the
// caller's answer.
type Error struct {
	Provider string
	// Status is the HTTP status the provider answered (0: no answer:
	// connection refused, reset, timeout).
	Status int
	// Retryable: a connect error, 408, 409, 429, 5xx or 529. Never 400,
	// 401, 403, 404, 422 or a content-policy refusal.
	Retryable bool
	// RetryAfter is the wait the provider asked for (Retry-After or
	// retry-after-ms), zero when it asked none.
	RetryAfter time.Duration
	// Refusal: the provider declined the content (content policy).
	Refusal bool
	// Streamed: the failure came after text was delivered.
	Streamed bool
	Err      error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return e.Provider + ": status " + strconv.Itoa(e.Status) + ": " + e.Err.Error()
	}
	return e.Provider + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNoProvider is returned when no provider is configured.
var ErrNoProvider = errors.New("no AI provider is configured")
