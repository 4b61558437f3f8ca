package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// startHTTP serves cfg's production handler with serveHTTP, exactly as
// serve does, on a loopback port until the test ends.
func startHTTP(t *testing.T, cfg config.Config) string {
	t.Helper()
	logger := testkit.Logger(t)
	h := instanceLogging(t, cfg, logger)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, ln, h, cfg, logger) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveHTTP: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawAnswer is what a raw client read back: the status (0 for none) and
// whether the server then closed the connection.
type rawAnswer struct {
	status int
	header http.Header
	closed bool
	after  time.Duration
	err    error
}

// readAnswer reads one response from c, waiting until deadline, and then
// whether the server closes the connection within closeWithin.
func readAnswer(c net.Conn, start, deadline time.Time, closeWithin time.Duration) rawAnswer {
	_ = c.SetReadDeadline(deadline)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return rawAnswer{err: err, after: time.Since(start), closed: !isTimeout(err)}
	}
	a := rawAnswer{status: resp.StatusCode, header: resp.Header, after: time.Since(start)}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_ = c.SetReadDeadline(time.Now().Add(closeWithin))
	_, err = br.ReadByte()
	a.closed = err != nil && !isTimeout(err)
	return a
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestSlowBodyIsCut: a client that sends its headers and then trickles the
// body (one byte every 250 ms of a declared 100) is cut once it falls
// behind the pace, about THEBRAIN_BODY_GRACE after the headers, not when
// its body would have ended (25 s). A handler that reads the body answers
// 408; one that refuses without reading (no token) answers, too, instead of
// net/http waiting for the rest of the body first. Either way the server
// closes the connection.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.BodyGrace = time.Second
	addr := startHTTP(t, cfg)
	// The documented bound is grace + 100 bytes / min rate; the slack is
	// for a loaded machine, still far below the 25 s the trickle takes.
	bound := cfg.BodyGrace + time.Duration(100*float64(time.Second)/float64(cfg.BodyMinRate))
	const slack = 5 * time.Second

	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"read by the handler", "/api/v1/auth/login", http.StatusRequestTimeout},
		{"refused without reading", "/api/v1/projects", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", tc.path); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(250 * time.Millisecond)
				defer tick.Stop()
				for range 98 {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
				}
			}()
			a := readAnswer(c, start, start.Add(bound+slack), slack)
			if a.status != tc.status {
				t.Fatalf("after %s: status %d (%v), want %d within %s", a.after, a.status, a.err, tc.status, bound+slack)
			}
			if a.after < cfg.BodyGrace/2 {
				t.Fatalf("answered after %s, before the grace of %s ran out", a.after, cfg.BodyGrace)
			}
			if !a.closed {
				t.Fatal("the connection stayed open after the answer")
			}
			if tc.status == http.StatusRequestTimeout && a.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("408 without a problem body: %v", a.header)
			}
		})
	}
}

// pacedReader yields n bytes of body at rate bytes per second.
type pacedReader struct {
	body  []byte
	rate  float64
	start time.Time
	off   int
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.off == len(p.body) {
		return 0, io.EOF
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	const chunk = 16 << 10
	due := p.start.Add(time.Duration(float64(p.off) / p.rate * float64(time.Second)))
	time.Sleep(time.Until(due))
	n := copy(b[:min(len(b), chunk)], p.body[p.off:])
	p.off += n
	return n, nil
}

// TestLargestChapterSaveOnASlowLink: the largest chapter save (about 3 MiB
// of JSON) sent at twice the minimum rate succeeds although it takes longer
// than the grace and than THEBRAIN_REQUEST_TIMEOUT: the request deadline
// grows by the body's allowance. The rates are scaled up from the defaults
// (16 KiB/s, where the same save takes up to 206 s: `make soak`) so that
// the test takes seconds.
func TestLargestChapterSaveOnASlowLink(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.BodyMinRate = 512 << 10
	cfg.BodyGrace = 2 * time.Second
	cfg.RequestTimeout = time.Second
	base := "http://" + startHTTP(t, cfg)
	saveSlowly(t, base, 2*float64(cfg.BodyMinRate), cfg.BodyGrace)
}

// saveSlowly creates a chapter and saves the largest content at rate,
// checking that it takes longer than the grace (so the pace was in play)
// and succeeds.
func saveSlowly(t *testing.T, base string, rate float64, grace time.Duration) {
	t.Helper()
	send := func(method, path, token string, body any) *http.Response {
		t.Helper()
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, base+path, strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	decode := func(resp *http.Response, want int, v any) {
		t.Helper()
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, b)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decode(send("POST", "/api/v1/auth/signup", "", map[string]string{"email": "slowlink@limits.example", "password": "a slow link, a long book 1869", "full_name": "Leo"}), http.StatusCreated, &tok)
	var book, chapter struct{ ID string }
	decode(send("POST", "/api/v1/projects", tok.AccessToken, map[string]string{"title": "War and Peace"}), http.StatusCreated, &book)
	path := "/api/v1/projects/" + book.ID + "/chapters"
	decode(send("POST", path, tok.AccessToken, map[string]string{"title": "Book One"}), http.StatusCreated, &chapter)

	// Half the content is quotes, which JSON doubles: 2 MiB of content
	// is 3 MiB of body, the most a chapter save can need.
	content := strings.Repeat(`a"`, chapters.MaxChapterContent/2)
	body, err := json.Marshal(map[string]any{"content": content, "version": 1})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("PATCH", base+path+"/"+chapter.ID, &pacedReader{body: body, rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%d-byte save at %.0f B/s: status %d after %s: %.300s", len(body), rate, resp.StatusCode, took, b)
	}
	if took < grace {
		t.Fatalf("the save took %s, less than the grace %s: the test did not exercise the pace", took, grace)
	}
	t.Logf("%d-byte save at %.0f B/s took %s", len(body), rate, took.Round(time.Millisecond))
}

// TestSlowBodyFloodGetsRateLimited: many connections from one address that
// send login or signup headers and then no body get 429 at once, before
// any body byte is read, beyond the per-IP burst (10); the grace is long,
// so no answer seen here can be a pace 408. The refused connections are
// closed right after the 429.
func TestSlowBodyFloodGetsRateLimited(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.BodyGrace = time.Minute
	addr := startHTTP(t, cfg)
	const perRoute, burst = 25, 10
	const wait = 15 * time.Second // generous for a loaded machine; success comes in well under a second

	for _, path := range []string{"/api/v1/auth/login", "/api/v1/auth/signup"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			answers := make(chan rawAnswer, perRoute)
			var wg sync.WaitGroup
			conns := make([]net.Conn, 0, perRoute)
			for range perRoute {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", path); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() { answers <- readAnswer(c, start, start.Add(wait), 5*time.Second) })
			}
			limited, other := 0, 0
			var slowest time.Duration
			for limited < perRoute-burst && limited+other < perRoute {
				select {
				case a := <-answers:
					switch {
					case a.status == http.StatusTooManyRequests:
						limited++
						slowest = max(slowest, a.after)
						if !a.closed {
							t.Errorf("a 429 after %s left the connection open", a.after)
						}
						if a.header.Get("Retry-After") == "" {
							t.Errorf("429 without Retry-After")
						}
					case a.status != 0:
						other++
						t.Errorf("status %d after %s, want 429 or no answer yet", a.status, a.after)
					}
				case <-time.After(time.Until(start.Add(wait + time.Second))):
					t.Fatalf("%d of %d connections got 429 within %s, want %d", limited, perRoute, wait, perRoute-burst)
				}
			}
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
			t.Logf("%d connections got 429 before sending a body, the slowest after %s", limited, slowest.Round(time.Millisecond))
		})
	}
}
