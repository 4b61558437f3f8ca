package httpx_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/httpx"
)

// paced serves a handler that waits `busy` before decoding the body, behind
// PaceBody, on a real connection.
func paced(t *testing.T, pace httpx.BodyPace, busy time.Duration) string {
	t.Helper()
	h := httpx.PaceBody(pace, 1<<20)(httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		time.Sleep(busy) // a database call before the body is read
		v, err := httpx.Decode[map[string]string](w, r)
		if err != nil {
			return err
		}
		return httpx.Encode(w, http.StatusOK, map[string]int{"bytes": len(v["text"])})
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// post sends the headers and the first `sent` bytes of a JSON body of
// n bytes, then nothing more, and returns the answer's status and when
// it came.
func post(t *testing.T, addr string, n, sent int) (int, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := `{"text":"` + strings.Repeat("x", n-11) + `"}`
	start := time.Now()
	if _, err := fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", n, body[:sent]); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(start.Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer after %s: %v", time.Since(start), err)
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// TestPaceBody: the wait for a body is charged to the client only while
// the server actually waits, and grows with what the client has sent.
func TestPaceBody(t *testing.T) {
	t.Parallel()
	pace := httpx.BodyPace{MinRate: 1 << 10, Grace: time.Second}
	t.Run("handler busy longer than the grace", func(t *testing.T) {
		t.Parallel()
		// The whole body is in the socket buffer when the handler reads it
		// (more than net/http's 4 KiB read buffer holds).
		if status, _ := post(t, paced(t, pace, 2*pace.Grace), 64<<10, 64<<10); status != http.StatusOK {
			t.Fatalf("status %d, want 200", status)
		}
	})
	t.Run("received bytes earn waiting time", func(t *testing.T) {
		t.Parallel()
		// 2 KiB sent of 4 KiB: the server waits grace + 2 s for the rest.
		status, after := post(t, paced(t, pace, 0), 4<<10, 2<<10)
		if status != http.StatusRequestTimeout {
			t.Fatalf("status %d, want 408", status)
		}
		if want := pace.Allowance(2 << 10); after < want-want/10 {
			t.Fatalf("cut after %s, before its allowance of %s", after, want)
		}
	})
	t.Run("no body byte at all", func(t *testing.T) {
		t.Parallel()
		status, after := post(t, paced(t, pace, 0), 100, 0)
		if status != http.StatusRequestTimeout || after < pace.Grace-pace.Grace/10 {
			t.Fatalf("status %d after %s, want 408 after the grace of %s", status, after, pace.Grace)
		}
	})
}

// TestPaceBodyWithoutConnection: where the body is already in memory (the
// Lambda adapter, recorders) there is no deadline to set and nothing
// changes.
func TestPaceBodyWithoutConnection(t *testing.T) {
	t.Parallel()
	h := httpx.PaceBody(httpx.BodyPace{}, 1<<20)(httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		v, err := httpx.Decode[map[string]string](w, r)
		if err != nil {
			return err
		}
		return httpx.Encode(w, http.StatusOK, v)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":"b"}`))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"a":"b"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
