// Package composecheck validates compose.yaml and the Dockerfile offline,
// with compose-go (the library docker compose itself uses to load files):
// no Docker engine is needed. It is its own Go module so compose-go never
// enters the product's module graph. `go test` here is what CI runs.
package composecheck

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// listenSetting is the address setting of each long-running mode and its
// default port (platform/config).
var listenSetting = map[string]struct {
	env, port string
}{
	"serve":  {"THEBRAIN_HTTP_ADDR", "8080"},
	"worker": {"THEBRAIN_WORKER_ADDR", "8081"},
	"collab": {"THEBRAIN_COLLAB_ADDR", "8082"},
}

// shared are the settings every app service must agree on: one database,
// one Redis, one set of keys (a token the API signs must verify in collab).
var shared = []string{"THEBRAIN_DATABASE_URL", "THEBRAIN_REDIS_URL", "THEBRAIN_JWT_KEYS", "THEBRAIN_SECRET_KEY"}

// Load reads a compose file as docker compose would (interpolation,
// merges, schema validation), without touching the environment.
func Load(ctx context.Context, file string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnv(nil), // the file must not depend on the caller's environment
		cli.WithInterpolation(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(ctx)
}

// Check returns every rule the project breaks (none: nil).
func Check(p *types.Project) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	names := make([]string, 0, len(p.Services))
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)

	oneShot := func(s types.ServiceConfig) bool { return s.Restart == types.RestartPolicyNo }
	isApp := func(s types.ServiceConfig) bool { return s.Build != nil }
	mode := func(s types.ServiceConfig) string {
		if len(s.Command) == 0 {
			return ""
		}
		return s.Command[0]
	}
	env := func(s types.ServiceConfig, k string) (string, bool) {
		v, ok := s.Environment[k]
		if !ok || v == nil {
			return "", false
		}
		return *v, true
	}

	modes := map[string][]string{}
	var apps []types.ServiceConfig
	for _, name := range names {
		s := p.Services[name]
		// Restart policies everywhere: one-shots say "no" explicitly.
		switch {
		case s.Restart == "":
			bad("%s: no restart policy", name)
		case !slices.Contains([]string{types.RestartPolicyNo, types.RestartPolicyUnlessStopped, types.RestartPolicyAlways}, s.Restart) &&
			!strings.HasPrefix(s.Restart, types.RestartPolicyOnFailure):
			bad("%s: unknown restart policy %q", name, s.Restart)
		}
		// Health checks on everything that keeps running.
		hc := s.HealthCheck
		if !oneShot(s) && (hc == nil || hc.Disable || len(hc.Test) == 0) {
			bad("%s: no health check", name)
		}
		if hc != nil && len(hc.Test) > 0 && (hc.Timeout == nil || hc.Interval == nil || hc.Retries == nil) {
			bad("%s: the health check needs interval, timeout and retries", name)
		}
		// Images: built here, or pinned to a tag.
		if !isApp(s) {
			if s.Image == "" || !strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest") {
				bad("%s: image %q is not pinned to a tag", name, s.Image)
			}
		}
		// Every dependency waits for a condition that means ready.
		for dep, d := range s.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				bad("%s: depends on unknown service %s", name, dep)
				continue
			}
			want := types.ServiceConditionHealthy
			if oneShot(target) {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d.Condition != want {
				bad("%s: depends_on %s has condition %q, want %q", name, dep, d.Condition, want)
			}
		}
		if !isApp(s) {
			continue
		}
		apps = append(apps, s)
		m := mode(s)
		modes[m] = append(modes[m], name)
		if s.Image != "" && !strings.HasPrefix(s.Image, "thebrain:") {
			bad("%s: builds the binary but is tagged %q", name, s.Image)
		}
		if v, ok := env(s, "THEBRAIN_AUTO_MIGRATE"); !ok || v != "false" {
			bad("%s: THEBRAIN_AUTO_MIGRATE must be false (the migrate service migrates, once)", name)
		}
		if m == "migrate" {
			if !oneShot(s) || !slices.Equal(s.Command, types.ShellCommand{"migrate", "up"}) {
				bad("%s: the migration is a one-shot `migrate up` with restart \"no\"", name)
			}
			continue
		}
		listen, long := listenSetting[m]
		if !long {
			bad("%s: runs %q, not serve, worker, collab or migrate", name, m)
			continue
		}
		if _, ok := s.DependsOn["migrate"]; !ok {
			bad("%s: does not wait for the migrate service", name)
		}
		// The distroless image has no shell: exec form, the binary itself,
		// on the port this mode listens on.
		port := listen.port
		if v, ok := env(s, listen.env); ok {
			port = strings.TrimPrefix(v[strings.LastIndex(v, ":"):], ":")
		}
		if hc != nil && len(hc.Test) > 0 {
			t := hc.Test
			if len(t) != 4 || t[0] != "CMD" || t[1] != "/thebrain" || t[2] != "healthcheck" {
				bad("%s: health check %q must be [CMD, /thebrain, healthcheck, URL] (no shell in the image)", name, []string(t))
			} else if u, err := url.Parse(t[3]); err != nil || u.Port() != port || u.Hostname() != "127.0.0.1" {
				bad("%s: health check URL %s is not this container's port %s", name, t[3], port)
			}
		}
		if m == "serve" {
			if v, ok := env(s, "THEBRAIN_JOBS_IN_SERVE"); !ok || v != "false" {
				bad("%s: serve must run without the in-process job worker (THEBRAIN_JOBS_IN_SERVE=false): the worker service runs jobs", name)
			}
		}
	}
	for _, m := range []string{"migrate", "serve", "worker", "collab"} {
		if len(modes[m]) != 1 {
			bad("want exactly one %s service, have %v", m, modes[m])
		}
	}
	for _, k := range shared {
		values := map[string][]string{}
		for _, s := range apps {
			v, _ := env(s, k)
			values[v] = append(values[v], s.Name)
		}
		if len(values) != 1 {
			bad("%s differs between the app services: %v", k, values)
		}
		for v := range values {
			if v == "" {
				bad("%s is not set for every app service", k)
			}
		}
	}
	return problems
}

// CheckDockerfile returns every rule the Dockerfile breaks: multi-stage,
// a static (CGO_ENABLED=0) build, a distroless or scratch final stage that
// runs as a non-root user, exec-form entrypoint and health check.
func CheckDockerfile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	cur := ""
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") || l == "" {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		lines = append(lines, cur+l)
		cur = ""
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var stages [][]string // instructions per stage
	for _, l := range lines {
		if strings.HasPrefix(strings.ToUpper(l), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], l)
		}
	}
	if len(stages) < 2 {
		bad("not multi-stage: %d stage(s)", len(stages))
		return problems, nil
	}
	final := stages[len(stages)-1]
	if !regexp.MustCompile(`^FROM (gcr\.io/distroless/static[^ ]*|scratch)\b`).MatchString(final[0]) {
		bad("the final stage is %q, not distroless/static or scratch", final[0])
	}
	built := false
	for _, st := range stages[:len(stages)-1] {
		for _, l := range st {
			if strings.HasPrefix(l, "RUN ") && strings.Contains(l, "go build") {
				built = true
				if !strings.Contains(l, "CGO_ENABLED=0") {
					bad("the go build is not static (CGO_ENABLED=0): %q", l)
				}
			}
		}
	}
	if !built {
		bad("no build stage runs go build")
	}
	user := ""
	var entry, health string
	for _, l := range final {
		switch {
		case strings.HasPrefix(l, "USER "):
			user = strings.TrimSpace(strings.TrimPrefix(l, "USER "))
		case strings.HasPrefix(l, "ENTRYPOINT "):
			entry = strings.TrimSpace(strings.TrimPrefix(l, "ENTRYPOINT "))
		case strings.HasPrefix(l, "HEALTHCHECK "):
			health = l
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		bad("the final stage runs as %q, not a non-root user", user)
	}
	if !strings.HasPrefix(entry, `["/thebrain"`) {
		bad("ENTRYPOINT %q is not the exec form of /thebrain", entry)
	}
	if health != "" && !strings.Contains(health, `CMD ["/thebrain", "healthcheck"`) {
		bad("HEALTHCHECK %q is not the exec form of thebrain healthcheck (no shell in the image)", health)
	}
	return problems, nil
}
