package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/thebrain/thebrain/platform/apperr"
)

// BodyPace bounds how long the server waits for a request body. net/http
// has no such bound once the headers are in, so without it a client that
// declares a body and sends one byte now and then holds its connection (and
// a goroutine, and a slot of the connection cap) for as long as it likes.
//
// The rule is Apache's mod_reqtimeout MinRate, counted in the time the
// server actually spends waiting: while reading a body, the server waits at
// most
//
//	Grace + bytes received so far / MinRate
//
// in total. A client that stalls is cut as soon as it falls behind that
// line, and no body of n bytes is waited for longer than Grace + n/MinRate.
// Time the handler spends elsewhere (a database call before it reads the
// body) is not charged to the client: the bytes sent meanwhile are in the
// socket buffer and read without waiting.
type BodyPace struct {
	// MinRate is the slowest average upload, in bytes per second, the server
	// waits for.
	MinRate int64
	// Grace is the wait allowed on top, for latency, TCP slow start and a
	// radio waking up.
	Grace time.Duration
}

// Defaults of BodyPace (THEBRAIN_BODY_MIN_RATE, THEBRAIN_BODY_GRACE): the
// largest chapter save (about 3 MiB) takes at most 10 s + 196 s at 16 KiB/s,
// a 128 kbit/s uplink.
const (
	DefaultBodyMinRate = 16 << 10
	DefaultBodyGrace   = 10 * time.Second
)

// ErrBodyTooSlow is the read error of a body that fell behind its BodyPace.
// Decode and WriteError turn it into a 408 problem.
var ErrBodyTooSlow = errors.New("the request body arrived too slowly")

func (p BodyPace) withDefaults() BodyPace {
	if p.MinRate <= 0 {
		p.MinRate = DefaultBodyMinRate
	}
	if p.Grace <= 0 {
		p.Grace = DefaultBodyGrace
	}
	return p
}

// Allowance is the longest the server waits for n body bytes.
func (p BodyPace) Allowance(n int64) time.Duration {
	p = p.withDefaults()
	return p.Grace + time.Duration(float64(n)/float64(p.MinRate)*float64(time.Second))
}

type allowanceKey struct{}

// PaceBody applies p to every request body (see BodyPace). A body of
// unknown length is paced as if it were maxBody bytes long, the most
// BodyLimit lets through. It also records the body's allowance, which
// Timeout adds to the request deadline: a large save on a slow link must
// not run out of time before its handler starts working.
//
// Where the connection has no read deadline (the Lambda adapter, response
// recorders) the body is already in memory and PaceBody does nothing.
func PaceBody(p BodyPace, maxBody int64) func(http.Handler) http.Handler {
	p = p.withDefaults()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			b := &pacedBody{body: r.Body, rc: http.NewResponseController(w), pace: p}
			// The first deadline also bounds what net/http does when a
			// handler answers without reading the body: it drains the rest
			// before (small bodies) or after (large ones) the response.
			if err := b.rc.SetReadDeadline(time.Now().Add(p.Grace)); err != nil {
				next.ServeHTTP(w, r)
				return
			}
			n := r.ContentLength
			if n < 0 {
				n = maxBody
			}
			r = r.WithContext(context.WithValue(r.Context(), allowanceKey{}, p.Allowance(n)))
			r.Body = b
			next.ServeHTTP(w, r)
		})
	}
}

// bodyAllowance is the request's body allowance recorded by PaceBody, or 0.
func bodyAllowance(ctx context.Context) time.Duration {
	d, _ := ctx.Value(allowanceKey{}).(time.Duration)
	return d
}

// pacedBody sets the connection's read deadline before each read. It is
// read by the handler's goroutine only, like any request body.
type pacedBody struct {
	body   io.ReadCloser
	rc     *http.ResponseController
	pace   BodyPace
	n      int64         // bytes received
	waited time.Duration // time spent blocked in Read
	done   error         // the error that ended the body (io.EOF at the end)
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if b.done != nil {
		// After EOF net/http runs a background read on the connection to
		// notice a client going away; a deadline set now would cut it.
		return 0, b.done
	}
	start := time.Now()
	budget := b.pace.Allowance(b.n) - b.waited
	if err := b.rc.SetReadDeadline(start.Add(budget)); err != nil {
		b.done = err
		return 0, err
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	b.waited += time.Since(start)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Not wrapping the net error: it names the client's address.
			err = fmt.Errorf("%w: %d bytes in %s of waiting", ErrBodyTooSlow, b.n, b.waited.Round(time.Millisecond))
		}
		b.done = err
	}
	return n, err
}

func (b *pacedBody) Close() error { return b.body.Close() }

// bodyTooSlow is the problem for a body that fell behind its pace. The
// connection is closed after the answer: the rest of the body may still be
// on its way and must not be read as the next request.
func bodyTooSlow(err error) *apperr.Error {
	return apperr.Wrap(apperr.RequestTimeout, "the request body arrived too slowly; send it again on a faster connection", err)
}

// drainWindow is how long SkipBody still reads what is already on its way,
// so that closing the connection does not reset it before the client has
// read the answer (net/http waits as long when it gives up on a body).
const drainWindow = 500 * time.Millisecond

// SkipBody is for handlers that refuse a request on its headers alone, such
// as a rate limit: the answer goes out at once, with Connection: close, and
// the connection ends right after it instead of the server first waiting for
// the rest of a body it will not use.
func SkipBody(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(drainWindow))
}
