package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/thebrain/thebrain/platform/log"
)

// Logger returns a logger whose output is shown only if the test fails, the
// habit that makes a failing handler's log line visible without noise.
func Logger(t testing.TB) *slog.Logger {
	t.Helper()
	buf := &SyncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("captured log:\n%s", buf.String())
		}
	})
	return log.New(buf, "text", slog.LevelDebug)
}

// SyncBuffer is an io.Writer that is safe to read (String) while another
// goroutine still writes to it: a server's or command's log under test.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Server serves h on a loopback port for the duration of the test.
func Server(t testing.TB, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Client{t: t, URL: srv.URL, HTTP: srv.Client()}
}

// Client sends requests to a test server.
type Client struct {
	t    testing.TB
	URL  string
	HTTP *http.Client
}

// For returns the client reporting to t, for use inside a subtest.
func (c *Client) For(t testing.TB) *Client {
	cp := *c
	cp.t = t
	return &cp
}

// Request is one call; Body may be a string or []byte (sent as is) or any
// other value (encoded as JSON).
type Request struct {
	Method string
	Path   string
	Token  string
	Body   any
	Header http.Header
}

// Response is a fully read response.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into v or fails the test.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s body %q: %v", r.Status, r.Body, err)
	}
}

// Problem decodes a problem+json body, checking the content type.
func (r *Response) Problem(t testing.TB) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (status %d, body %s)", ct, r.StatusCode, r.Body)
	}
	var p map[string]any
	r.JSON(t, &p)
	return p
}

// Do sends req and reads the whole response.
func (c *Client) Do(req Request) *Response {
	c.t.Helper()
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("encode request body: %v", err)
		}
		body = bytes.NewReader(enc)
	}
	hr, err := http.NewRequest(req.Method, c.URL+req.Path, body)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return &Response{Response: resp, Body: b}
}

// Get is Do for a GET with a token.
func (c *Client) Get(path, token string) *Response {
	c.t.Helper()
	return c.Do(Request{Method: http.MethodGet, Path: path, Token: token})
}

// Send is Do for a method with a JSON body and a token.
func (c *Client) Send(method, path, token string, body any) *Response {
	c.t.Helper()
	return c.Do(Request{Method: method, Path: path, Token: token, Body: body})
}

// WantStatus fails the test unless resp has status want, showing the body.
func WantStatus(t testing.TB, resp *Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, resp.Body)
	}
}

// WantProblem checks status and problem type slug (the part after
// /problems/), and returns the decoded problem.
func WantProblem(t testing.TB, resp *Response, status int, slug string) map[string]any {
	t.Helper()
	WantStatus(t, resp, status)
	p := resp.Problem(t)
	// Spelled out, not httpx.ProblemBase: the type URIs are part of the
	// contract clients rely on, so a change to the constant must fail here.
	if got, want := p["type"], "https://api.thebrain.app/problems/"+slug; got != want {
		t.Fatalf("problem type = %v, want %s; body: %s", got, want, resp.Body)
	}
	if p["status"] != float64(status) {
		t.Fatalf("problem status = %v, want %d", p["status"], status)
	}
	return p
}
