package composecheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	composeFile = "../../compose.yaml"
	dockerfile  = "../../Dockerfile"
)

func TestComposeFile(t *testing.T) {
	p, err := Load(context.Background(), composeFile)
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	for _, problem := range Check(p) {
		t.Error("compose.yaml:", problem)
	}
	for _, want := range []string{"postgres", "redis", "migrate", "api", "worker", "collab"} {
		if _, ok := p.Services[want]; !ok {
			t.Errorf("compose.yaml has no %s service", want)
		}
	}
}

func TestDockerfile(t *testing.T) {
	problems, err := CheckDockerfile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range problems {
		t.Error("Dockerfile:", problem)
	}
}

// TestCheckRefuses: each rule catches a broken copy of the real file.
func TestCheckRefuses(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	orig := string(raw)
	cases := []struct {
		name, old, new, want string
	}{
		{"worker without health check", "    healthcheck:\n      test: [\"CMD\", \"/thebrain\", \"healthcheck\", \"http://127.0.0.1:8081/readyz\"]\n      interval: 5s\n      timeout: 5s\n      retries: 5\n      start_period: 10s\n", "",
			"worker: no health check"},
		{"shell health check", `test: ["CMD", "/thebrain", "healthcheck", "http://127.0.0.1:8082/readyz"]`, `test: ["CMD-SHELL", "curl -f http://127.0.0.1:8082/readyz"]`,
			"collab: health check"},
		{"health check on the wrong port", `"http://127.0.0.1:8082/readyz"`, `"http://127.0.0.1:8080/readyz"`,
			"collab: health check URL http://127.0.0.1:8080/readyz is not this container's port 8082"},
		{"api runs jobs in-process", `      THEBRAIN_JOBS_IN_SERVE: "false" # the worker service runs them` + "\n", "",
			"api: serve must run without the in-process job worker"},
		{"no restart policy", "    command: [\"worker\"]\n    environment:\n      <<: *app-env\n      THEBRAIN_WORKER_ADDR: \":8081\"\n    restart: unless-stopped\n",
			"    command: [\"worker\"]\n    environment:\n      <<: *app-env\n      THEBRAIN_WORKER_ADDR: \":8081\"\n", "worker: no restart policy"},
		{"depends_on without a ready condition", "      migrate: {condition: service_completed_successfully}\n      postgres: {condition: service_healthy}\n      redis: {condition: service_healthy}\n\n  worker:",
			"      migrate: {condition: service_completed_successfully}\n      postgres: {condition: service_healthy}\n      redis: {condition: service_started}\n\n  worker:",
			`api: depends_on redis has condition "service_started"`},
		{"unpinned image", "image: redis:7-bookworm", "image: redis", `redis: image "redis" is not pinned`},
		{"keys differ", "    command: [\"collab\"]\n    environment:\n      <<: *app-env\n",
			"    command: [\"collab\"]\n    environment:\n      <<: *app-env\n      THEBRAIN_JWT_KEYS: other:ZGV2ZWxvcG1lbnQtb25seS1zaWduaW5nLWtleS0zMmI=\n",
			"THEBRAIN_JWT_KEYS differs"},
		{"no worker", "    command: [\"worker\"]", "    command: [\"serve\"]", "want exactly one worker service"},
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(orig, tc.old) {
				t.Fatalf("compose.yaml no longer contains %q: update the test", tc.old)
			}
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			if err := os.WriteFile(file, []byte(strings.Replace(orig, tc.old, tc.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := Load(context.Background(), file)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			problems := Check(p)
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", problems, tc.want)
			}
		})
	}

	// compose-go's schema validation: what docker compose would refuse.
	file := filepath.Join(dir, "schema.yaml")
	os.WriteFile(file, []byte(strings.Replace(orig, `ports: ["127.0.0.1:8080:8080"]`, `ports: "8080"`, 1)), 0o644)
	if _, err := Load(context.Background(), file); err == nil || !strings.Contains(err.Error(), "ports") {
		t.Errorf("a schema error loads: %v", err)
	}
}

func TestCheckDockerfileRefuses(t *testing.T) {
	raw, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	orig := string(raw)
	cases := []struct{ name, old, new, want string }{
		{"root", "USER nonroot:nonroot", "USER root", "not a non-root user"},
		{"no user", "USER nonroot:nonroot\n", "", "not a non-root user"},
		{"cgo", "CGO_ENABLED=0 ", "", "not static"},
		{"fat final stage", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:bookworm", "not distroless/static"},
		{"shell health check", `CMD ["/thebrain", "healthcheck", "http://127.0.0.1:8080/readyz"]`, `CMD curl -f http://127.0.0.1:8080/readyz`, "HEALTHCHECK"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(orig, tc.old) {
				t.Fatalf("Dockerfile no longer contains %q: update the test", tc.old)
			}
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			os.WriteFile(file, []byte(strings.Replace(orig, tc.old, tc.new, 1)), 0o644)
			problems, err := CheckDockerfile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", problems, tc.want)
			}
		})
	}
}
