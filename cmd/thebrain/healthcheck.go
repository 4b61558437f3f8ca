package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// healthcheckTimeout bounds one probe: the orchestrator's own timeout is
// a few seconds, and a hung server must count as unhealthy, not block.
const healthcheckTimeout = 3 * time.Second

// healthcheck is `thebrain healthcheck URL`: GET the URL and succeed on a
// 2xx answer. Container health checks run it in the distroless image,
// which has no shell or curl. It reads no configuration.
func healthcheck(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{"healthcheck needs one URL, e.g. thebrain healthcheck http://127.0.0.1:8080/readyz"}
	}
	u, err := url.Parse(args[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("healthcheck: %q is not an http(s) URL", args[0])}
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return usageError{fmt.Sprintf("healthcheck: %v", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("healthcheck %s: %s", u.Redacted(), resp.Status)
	}
	fmt.Fprintln(stdout, resp.Status)
	return nil
}
