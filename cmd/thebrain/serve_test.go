package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestShutdownDrainsInFlightRequests: a request that is running when the
// signal arrives still completes; new connections are refused; a request
// slower than the grace period makes serveHTTP report it.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		work    time.Duration
		grace   time.Duration
		wantErr bool
	}{
		{"finishes within grace", 300 * time.Millisecond, 5 * time.Second, false},
		{"exceeds grace", 3 * time.Second, 200 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				select {
				case <-time.After(tc.work):
					_, _ = io.WriteString(w, "done")
				case <-r.Context().Done():
				}
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cfg := config.Config{ShutdownTimeout: tc.grace, ReadHeaderTimeout: time.Second, IdleTimeout: time.Second}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- serveHTTP(ctx, ln, h, cfg, testkit.Logger(t)) }()

			type result struct {
				body string
				err  error
			}
			got := make(chan result, 1)
			go func() {
				resp, err := http.Get("http://" + ln.Addr().String())
				if err != nil {
					got <- result{err: err}
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got <- result{body: string(b)}
			}()
			<-started
			cancel() // the signal
			err = <-served
			if (err != nil) != tc.wantErr {
				t.Fatalf("serveHTTP err = %v, want error: %v", err, tc.wantErr)
			}
			if !tc.wantErr {
				r := <-got
				if r.err != nil || r.body != "done" {
					t.Fatalf("in-flight request: %q, %v", r.body, r.err)
				}
			}
			if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
				t.Fatal("still accepting connections after shutdown")
			}
		})
	}
}

// TestLambdaHandler drives the production handler with a real API Gateway
// REST event through aws-lambda-go-api-proxy, as Lambda mode does.
func TestLambdaHandler(t *testing.T) {
	t.Parallel()
	adapter := httpadapter.New(lambdaRequestID(testHandler(t)))
	resp, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "GET",
		Path:       "/api/v1/health",
		Headers:    map[string]string{"Accept": "application/json"},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "gw-request-7",
			Identity:  events.APIGatewayRequestIdentity{SourceIP: "203.0.113.9"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"database":"ok"`) {
		t.Fatalf("status %d body %s", resp.StatusCode, resp.Body)
	}
	if got := resp.MultiValueHeaders["X-Request-Id"]; len(got) != 1 || got[0] != "gw-request-7" {
		t.Fatalf("X-Request-Id = %q, want API Gateway's request id", got)
	}
	nf, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/api/v1/nope"})
	if err != nil {
		t.Fatal(err)
	}
	if nf.StatusCode != 404 || nf.MultiValueHeaders["Content-Type"][0] != "application/problem+json" {
		t.Fatalf("unknown route: %d %v %s", nf.StatusCode, nf.Headers, nf.Body)
	}
}
