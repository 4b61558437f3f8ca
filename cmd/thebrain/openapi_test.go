package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.yaml.in/yaml/v3"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestOpenAPIMatchesRouter keeps docs/openapi.yaml true: every routed
// method and path is documented, and nothing documented is missing from
// the router.
func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}

	routed := map[string]bool{}
	h := testHandler(t)
	err = chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodHead || method == http.MethodOptions {
			return nil
		}
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		routed[method+" "+strings.ReplaceAll(route, "/*/", "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var undocumented, unrouted []string
	for r := range routed {
		if !documented[r] {
			undocumented = append(undocumented, r)
		}
	}
	for d := range documented {
		if !routed[d] {
			unrouted = append(unrouted, d)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from docs/openapi.yaml:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(unrouted) > 0 {
		t.Errorf("docs/openapi.yaml documents routes that do not exist:\n  %s", strings.Join(unrouted, "\n  "))
	}
	if !slices.Contains(keys(routed), "GET /api/v1/health") {
		t.Fatalf("walk found no health route: %v", keys(routed))
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// testHandler builds the production handler (every module) on test
// backends.
func testHandler(t *testing.T) http.Handler {
	t.Helper()
	return instance(t, testConfig(t))
}

// testConfig is the configuration of one deployment on test backends: its
// own data directory (signing key) and Redis namespace.
func testConfig(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = testkit.PostgresURL(t)
	cfg.RedisURL = testkit.RedisURL(t)
	// Rate limits and denylists are per test: a Redis namespace of its own.
	_, keys := testkit.Redis(t)
	cfg.RedisPrefix = keys.Prefix()
	return cfg
}

// instance is one server process of the deployment cfg describes: its own
// pools and, as serve runs it, its own copy of the token denylist.
func instance(t testing.TB, cfg config.Config) http.Handler {
	t.Helper()
	return instanceLogging(t, cfg, testkit.Logger(t))
}

// instanceLogging is instance with logs going to logger.
func instanceLogging(t testing.TB, cfg config.Config, logger *slog.Logger) http.Handler {
	t.Helper()
	b, err := openBackends(context.Background(), cfg, logger, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	h, a, err := newHandler(cfg, logger, b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait := a.follow(ctx)
	t.Cleanup(func() { cancel(); wait() }) // before the backends close
	return h
}
