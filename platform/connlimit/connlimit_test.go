package connlimit_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/connlimit"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/testkit"
)

// serve runs h behind a Limiter of n connections and returns its address
// and log.
func serve(t *testing.T, n int, h http.Handler) (string, *testkit.SyncBuffer) {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	lim := connlimit.New(n, log.New(logs, "text", slog.LevelInfo))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ConnState: lim.ConnState, ReadHeaderTimeout: time.Minute}
	go func() { _ = srv.Serve(lim.Listener(ln)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), logs
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closes c within d.
func closedByServer(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 512))
	ne, ok := err.(net.Error)
	return err != nil && !(ok && ne.Timeout())
}

// get sends a request on a fresh connection and returns the status.
func get(t *testing.T, addr string) int {
	t.Helper()
	c := dial(t, addr)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })

// TestWaitingConnectionsMakeRoom: at the cap a new connection displaces the
// one that has waited longest without sending a request, so silent
// connections cannot lock clients out; the log says so once.
func TestWaitingConnectionsMakeRoom(t *testing.T) {
	t.Parallel()
	addr, logs := serve(t, 3, ok)
	silent := []net.Conn{dial(t, addr), dial(t, addr), dial(t, addr)}
	for i := range 3 {
		if status := get(t, addr); status != http.StatusOK {
			t.Fatalf("request %d at the cap: status %d", i, status)
		}
		if !closedByServer(silent[i], 5*time.Second) {
			t.Fatalf("silent connection %d (the longest waiting) is still open", i)
		}
	}
	if n := strings.Count(logs.String(), "connection limit reached"); n != 1 {
		t.Fatalf("%d 'limit reached' lines, want 1:\n%s", n, logs)
	}
}

// TestBusyServerRefusesWith503: when every connection is inside a request,
// a new one is answered 503 at once; when the requests end, the flood-over
// line reports what happened.
func TestBusyServerRefusesWith503(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	inside := make(chan struct{}, 2)
	addr, logs := serve(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			inside <- struct{}{}
			<-release
		}
	}))
	busy := []net.Conn{dial(t, addr), dial(t, addr)}
	for _, c := range busy {
		if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		<-inside
	}
	for range 2 {
		if status := get(t, addr); status != http.StatusServiceUnavailable {
			t.Fatalf("status %d at the cap with every connection busy, want 503", status)
		}
	}
	close(release)
	for _, c := range busy {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "flood over") {
		if time.Now().After(deadline) {
			t.Fatalf("no flood-over line:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if strings.Count(out, "connection limit reached") != 1 || !strings.Contains(out, "refused=2") {
		t.Fatalf("want one 'limit reached' line and refused=2 at the end:\n%s", out)
	}
	if status := get(t, addr); status != http.StatusOK {
		t.Fatalf("after the flood: status %d", status)
	}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		files    uint64
		reserved int
		want     int
	}{
		{20000, 188, 19812},
		{1024, 188, 836},
		{256, 168, 88},
		{100, 168, 16}, // too few files: the floor, and serve warns
	} {
		if got := connlimit.Derive(c.files, c.reserved); got != c.want {
			t.Errorf("Derive(%d, %d) = %d, want %d", c.files, c.reserved, got, c.want)
		}
	}
}
