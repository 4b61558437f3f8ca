package db

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/thebrain/thebrain/platform/apperr"
)

// Every error that means "PostgreSQL is not answering" becomes an
// Unavailable apperr (503 with Retry-After) wherever it surfaces, however a
// module wrapped it: the classifier below is the one place that knows
// which pgx errors those are.
func init() { apperr.RegisterClassifier(classify) }

// unavailableRetry is the Retry-After of an outage error that carries no
// better estimate.
const unavailableRetry = time.Second

func classify(err error) *apperr.Error {
	if IsAuthFailure(err) {
		// The password was refused: with rotated credentials the next
		// connection attempt uses the new ones (Options.Credentials), so
		// the client may retry; otherwise an operator must act, and a 503
		// says as much as a 500 would.
		return &apperr.Error{Kind: apperr.Unavailable, Detail: "the database refused the server's credentials; try again shortly",
			RetryAfter: unavailableRetry, Err: err}
	}
	if !IsUnavailable(err) {
		return nil
	}
	// A bare network error may come from another backend's client (Redis):
	// name the database only when pgx says it is the database.
	detail := "a backend the server needs is not answering; try again shortly"
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	if errors.As(err, &pe) || errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) {
		detail = "the database is not answering; try again shortly"
	}
	return &apperr.Error{Kind: apperr.Unavailable, Detail: detail, RetryAfter: unavailableRetry, Err: err}
}

// IsUnavailable reports whether err means the database could not be reached
// or dropped the connection, as opposed to refusing the statement: failed
// connection attempts (refused, reset, timed out, "the database system is
// starting up" or "shutting down", too many connections), sessions ended by
// a shutdown or restart, and connections reset or closed under a query.
// Errors a retry cannot fix, such as a wrong password or a missing
// database, are not.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	// The server answered with a code: the code decides, also inside a
	// failed connection attempt.
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return unavailableCode(pe.Code)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // refused, reset or timed out before the server said anything
	}
	// A connection lost under a query surfaces as the network error itself.
	// (Not net.Error: context.DeadlineExceeded satisfies it, and a request
	// that ran out of time is a 504, not an outage.)
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE)
}

// unavailableCode reports the SQLSTATEs of a server that cannot serve us
// right now but will again: connection exceptions (class 08), admin and
// crash shutdown, "cannot connect now" (starting up, shutting down, in
// recovery), idle-session timeout and too many connections.
func unavailableCode(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "57P05", "53300":
		return true
	}
	return strings.HasPrefix(code, "08")
}
