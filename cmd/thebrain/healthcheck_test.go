package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHealthcheck: `thebrain healthcheck URL` succeeds on 2xx only, gives
// up on a hung server, and needs no configuration (a container runs it
// with whatever environment the service has).
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("ok"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/moved":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/down":
			http.Error(w, "not ready", http.StatusServiceUnavailable)
		case "/hang":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/healthz"
	ln.Close()

	// A configuration serve would refuse: healthcheck must not read it.
	badEnv := map[string]string{"THEBRAIN_REQUEST_TIMEOUT": "soon"}
	cases := []struct {
		name    string
		args    []string
		wantErr string // "" means success
		usage   bool
		maxTime time.Duration
	}{
		{name: "200", args: []string{srv.URL + "/ok"}},
		{name: "204", args: []string{srv.URL + "/empty"}},
		{name: "redirect to 200", args: []string{srv.URL + "/moved"}},
		{name: "503", args: []string{srv.URL + "/down"}, wantErr: "503 Service Unavailable"},
		{name: "404", args: []string{srv.URL + "/nowhere"}, wantErr: "404 Not Found"},
		{name: "refused", args: []string{closed}, wantErr: "connection refused"},
		{name: "hung server", args: []string{srv.URL + "/hang"}, wantErr: "deadline exceeded", maxTime: healthcheckTimeout + 2*time.Second},
		{name: "no URL", args: nil, wantErr: "needs one URL", usage: true},
		{name: "two URLs", args: []string{srv.URL, srv.URL}, wantErr: "needs one URL", usage: true},
		{name: "not http", args: []string{"ftp://example.com/x"}, wantErr: "not an http(s) URL", usage: true},
		{name: "not a URL", args: []string{"127.0.0.1:8080"}, wantErr: "not an http(s) URL", usage: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			start := time.Now()
			err := run(context.Background(), append([]string{"thebrain", "healthcheck"}, tc.args...), envMap(badEnv), &out, &bytes.Buffer{})
			if tc.maxTime > 0 && time.Since(start) > tc.maxTime {
				t.Errorf("took %v, want at most %v", time.Since(start), tc.maxTime)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if !strings.HasPrefix(out.String(), "20") {
					t.Errorf("stdout = %q", out.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("usage error = %v, want %v (exit 2 vs 1)", !tc.usage, tc.usage)
			}
		})
	}
}
