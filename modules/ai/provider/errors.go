package provider

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryableStatus is the set the Chain retries: 408 request timeout, 409
// conflict (the providers' lock contention), 429 rate limit, every 5xx
// (529 is Anthropic's "overloaded").
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || status >= 500
}

// fromStatus classifies an HTTP error answer.
func fromStatus(provider string, status int, typ string, h http.Header, cause error) *Error {
	e := &Error{Provider: provider, Status: status, Type: typ, Retryable: retryableStatus(status), Err: cause}
	if isRefusalType(typ) {
		e.Refusal, e.Retryable = true, false
	}
	if h != nil {
		e.RetryAfter = retryAfter(h, time.Now())
	}
	return e
}

// isRefusalType recognises the providers' content-policy error types.
func isRefusalType(typ string) bool {
	switch typ {
	case "content_policy_violation", "content_filter", "refusal":
		return true
	}
	return false
}

// fromTransport classifies an error without an HTTP answer: a connection
// refused or reset, a body cut short, a context that ended.
func fromTransport(provider string, err error) *Error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Provider: provider, Type: "timeout", Timeout: true, Retryable: true, Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Provider: provider, Type: "canceled", Err: err}
	}
	e := &Error{Provider: provider, Type: "connect", Retryable: true, Err: err}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Type = "connection closed"
	case errors.As(err, &ne) && ne.Timeout():
		e.Type, e.Timeout = "timeout", true
	case errors.As(err, &ne):
	default:
		// Anything else without an answer (a decode failure of a garbled
		// body, say) is the provider's fault, and a new attempt may fare
		// better.
		e.Type = "transport"
	}
	return e
}

// retryAfter reads the wait a provider asked for: retry-after-ms (what
// OpenAI and Anthropic send, in milliseconds), then Retry-After (seconds,
// possibly fractional, or an HTTP date). Zero when there is none or it
// does not parse.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || s > 1e6 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// anthropicStatus maps the error type of an in-stream Anthropic error
// event (delivered with HTTP 200) to the status the same error has as an
// answer, so the Chain classifies both alike.
func anthropicStatus(typ string) int {
	switch typ {
	case "invalid_request_error":
		return http.StatusBadRequest
	case "authentication_error":
		return http.StatusUnauthorized
	case "permission_error":
		return http.StatusForbidden
	case "not_found_error":
		return http.StatusNotFound
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limit_error":
		return http.StatusTooManyRequests
	case "overloaded_error":
		return 529
	case "timeout_error":
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}
