// Package provider is how the AI module talks to language models: one small
// interface of ours (Complete, Stream) with adapters over the official SDKs
// (OpenAI, Anthropic, and any OpenAI-compatible server by base URL), and a
// Chain that retries and falls back. The rest of the AI module never sees a
// provider's types or wire format.
//
// The SDKs' own retries are off: the Chain is the one retry loop (see
// chain.go for its rules). Errors are classified into *Error, whose text
// never carries what was sent or received: an author's manuscript must not
// reach a log line through an error message.
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
	// Complete runs one request to the end, in one attempt.
	Complete(ctx context.Context, r Request) (Response, error)
	// Stream runs one request, calling onDelta with each piece of text as
	// it arrives, and returns the whole response at the end. An error from
	// onDelta ends the stream with that error.
	Stream(ctx context.Context, r Request, onDelta func(text string) error) (Response, error)
}

// The provider names.
const (
	Anthropic        = "anthropic"
	OpenAI           = "openai"
	OpenAICompatible = "openai_compatible"
)

// Role of a message.
type Role string

// The roles of a conversation.
const (
	User      Role = "user"
	Assistant Role = "assistant"
)

// Message is one turn.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// Request is what every provider is asked, in our terms.
type Request struct {
	// Model is the provider's model id; the Chain sets it from its links.
	Model    string    `json:"model"`
	System   string    `json:"system"`
	Messages []Message `json:"messages"`
	// MaxTokens caps the output.
	MaxTokens int `json:"max_tokens"`
	// Temperature is sent to the providers that take one (OpenAI and
	// compatible servers; the Anthropic API of our SDK version has none).
	Temperature float64 `json:"temperature"`
	// Schema, when set, asks for JSON output matching this JSON Schema
	// (structured outputs). The answer is still validated by the caller.
	Schema json.RawMessage `json:"schema,omitempty"`
	// SchemaName names the schema (OpenAI requires one).
	SchemaName string `json:"schema_name,omitempty"`
}

// Usage counts tokens.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Total is input plus output.
func (u Usage) Total() int { return u.InputTokens + u.OutputTokens }

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
	// Type is the provider's error type ("rate_limit_error",
	// "overloaded_error", "content_policy_violation", …) or ours ("timeout",
	// "connect", "stream", "refusal", "decode"). Never free text.
	Type string
	// Retryable: a connect error, a timed-out attempt, 408, 409, 429, 5xx
	// or 529. Never 400, 401, 403, 404, 422 or a content-policy refusal.
	Retryable bool
	// RetryAfter is the wait the provider asked for (Retry-After or
	// retry-after-ms), zero when it asked none.
	RetryAfter time.Duration
	// Refusal: the provider declined the content (content policy).
	Refusal bool
	// Timeout: the attempt, or the whole call, ran out of time.
	Timeout bool
	// Streamed: the failure came after text was delivered; it is never
	// retried.
	Streamed bool
	// Attempts is how many calls the Chain made before giving up (set on
	// the error a Chain returns).
	Attempts int
	// Err is the cause. It may quote a provider's message, so Error never
	// prints it; it is there for errors.Is and errors.As.
	Err error
}

// Error names the provider, the status and the error type: nothing a
// provider said in free text, nothing that was sent.
func (e *Error) Error() string {
	s := "ai provider " + e.Provider
	if e.Status != 0 {
		s += ": status " + strconv.Itoa(e.Status)
	}
	if e.Type != "" {
		s += ": " + e.Type
	}
	if e.Streamed {
		s += " (after streaming began)"
	}
	if e.Attempts > 1 {
		s += " after " + strconv.Itoa(e.Attempts) + " attempts"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err's *Error, or nil.
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// ErrNoProvider is returned when no provider is configured.
var ErrNoProvider = errors.New("no AI provider is configured")
