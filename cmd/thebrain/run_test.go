package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/thebrain/thebrain/db/migrations"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" { // a part in a connection-cap test
		os.Exit(runChild())
	}
	testkit.Main(m)
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring; "" means success
		usage   bool   // the error is a usage error (exit 2)
		stdout  string
	}{
		{name: "help", args: []string{"help"}, stdout: "thebrain serve"},
		{name: "help lists settings", args: []string{"--help"}, stdout: "THEBRAIN_DATABASE_URL"},
		{name: "version", args: []string{"version"}, stdout: "thebrain "},
		{name: "no mode", args: nil, wantErr: "no mode given", usage: true},
		{name: "unknown mode", args: []string{"frobnicate"}, wantErr: `unknown mode "frobnicate"`, usage: true},
		{name: "unknown flag", args: []string{"serve", "--port=9"}, wantErr: "flag provided but not defined: -port", usage: true},
		{name: "stray argument", args: []string{"version", "now"}, wantErr: "takes no arguments", usage: true},
		{name: "migrate without command", args: []string{"migrate"}, wantErr: "migrate needs a command", usage: true},
		{name: "migrate unknown command", args: []string{"migrate", "sideways"}, wantErr: "unknown migrate command", usage: true},
		{name: "migrate down without N", args: []string{"migrate", "down"}, wantErr: "takes 1 argument", usage: true},
		{name: "migrate down zero", args: []string{"migrate", "down", "0"}, wantErr: "positive number", usage: true},
		{name: "collab needs shared backends", args: []string{"collab"}, wantErr: "collab needs the PostgreSQL and Redis the API uses: set THEBRAIN_DATABASE_URL and THEBRAIN_REDIS_URL"},
		{name: "bad duration names the variable", args: []string{"serve"}, env: map[string]string{"THEBRAIN_REQUEST_TIMEOUT": "soon"}, wantErr: "THEBRAIN_REQUEST_TIMEOUT"},
		{name: "bad database URL names the variable", args: []string{"serve"}, env: map[string]string{"THEBRAIN_DATABASE_URL": "mysql://x"}, wantErr: "THEBRAIN_DATABASE_URL"},
		{name: "unreachable database names the variable", args: []string{"serve"},
			env: map[string]string{"THEBRAIN_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", "THEBRAIN_AUTO_MIGRATE": "false"}, wantErr: "THEBRAIN_DATABASE_URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			args := append([]string{"thebrain"}, tc.args...)
			if tc.env == nil {
				tc.env = map[string]string{}
			}
			tc.env["THEBRAIN_DATA_DIR"] = t.TempDir()
			err := run(context.Background(), args, envMap(tc.env), &stdout, &stderr)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if !strings.Contains(stdout.String(), tc.stdout) {
					t.Fatalf("stdout %q lacks %q", stdout.String(), tc.stdout)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
			_, isUsage := err.(usageError)
			if isUsage != tc.usage {
				t.Fatalf("usage error = %v, want %v (%v)", isUsage, tc.usage, err)
			}
			if tc.usage && strings.Count(err.Error(), "\n") != 0 {
				t.Fatalf("usage errors are one line: %q", err)
			}
		})
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs `thebrain serve` in the background and waits until
// /healthz answers. It returns the base URL and a stop function that sends
// the equivalent of SIGTERM and returns run's error.
//
// The port is free when chosen but may be taken before serve binds it (by
// the source port of any outgoing connection on the machine): serve is then
// started again on another.
func startServe(t testing.TB, env map[string]string) (string, func() error, *testkit.SyncBuffer) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		base, stop, logs, err := tryServe(t, env)
		if err == nil {
			return base, stop, logs
		}
		if !errors.Is(err, syscall.EADDRINUSE) || attempt == 3 {
			t.Fatalf("serve exited early: %v\n%s", err, logs.String())
		}
	}
}

func tryServe(t testing.TB, env map[string]string) (string, func() error, *testkit.SyncBuffer, error) {
	t.Helper()
	addr := freeAddr(t)
	env["THEBRAIN_HTTP_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"thebrain", "serve"}, envMap(env), io.Discard, logs) }()
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			return "", nil, logs, err
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready in time\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = fmt.Errorf("serve did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, stop, logs, nil
}

func TestServeWithExternalDatabase(t *testing.T) {
	t.Parallel()
	dbURL := testkit.PostgresURL(t)
	base, stop, logs := startServe(t, map[string]string{
		"THEBRAIN_DATABASE_URL": dbURL,
		"THEBRAIN_REDIS_URL":    testkit.RedisURL(t),
		"THEBRAIN_REDIS_PREFIX": "t_serve:",
		"THEBRAIN_DATA_DIR":     t.TempDir(),
		"THEBRAIN_LOG_FORMAT":   "json",
	})
	resp, err := http.Get(base + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"database":"ok"`) || !strings.Contains(string(body), `"redis":"ok"`) {
		t.Fatalf("health %d %s", resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"database backend: PostgreSQL"`, `"msg":"redis backend: Redis"`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	// The effective configuration is logged with the password masked.
	if strings.Contains(out, "thebrain:"+strings.Split(strings.TrimPrefix(dbURL, "postgres://thebrain:"), "@")[0]+"@") && strings.HasPrefix(dbURL, "postgres://thebrain:") {
		t.Errorf("database password logged")
	}
}

// TestServeEmbeddedDefaults runs serve exactly as a newcomer does: no
// database or Redis URL. It starts a private PostgreSQL cluster (as the
// postgres user when the tests run as root), migrates it, answers, and on
// the second start reuses the cluster.
func TestServeEmbeddedDefaults(t *testing.T) {
	t.Parallel()
	// t.TempDir's parent is private to this user; as root the cluster runs
	// as postgres, which must be able to reach the directory.
	parent, err := os.MkdirTemp("", "thebrain-serve-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(parent, "state")
	for i, want := range []string{"embedded PostgreSQL initialised", "migrations applied"} {
		base, stop, logs := startServe(t, map[string]string{"THEBRAIN_DATA_DIR": dataDir})
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("start %d: readyz %d\n%s", i, resp.StatusCode, logs.String())
		}
		if err := stop(); err != nil {
			t.Fatalf("start %d: stop: %v\n%s", i, err, logs.String())
		}
		out := logs.String()
		if !strings.Contains(out, want) || !strings.Contains(out, "embedded PostgreSQL") || !strings.Contains(out, "in-process Redis") {
			t.Fatalf("start %d: logs lack %q or the backend lines:\n%s", i, want, out)
		}
		if i == 1 && strings.Contains(out, "initialised") {
			t.Fatalf("second start initialised the cluster again instead of reusing it:\n%s", out)
		}
	}
	// After a stop the cluster is down: nothing listens on its port.
	if b, err := os.ReadFile(filepath.Join(dataDir, "postgres", "data", "postmaster.pid")); err == nil {
		t.Fatalf("postmaster.pid left behind after stop: %s", b)
	}
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	dbURL := testkit.PostgresURL(t) // already at the latest version
	versions := migrationVersions(t)
	latest, twoBack := versions[len(versions)-1], versions[len(versions)-3]
	env := map[string]string{"THEBRAIN_DATABASE_URL": dbURL, "THEBRAIN_DATA_DIR": t.TempDir()}
	migrate := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"thebrain", "migrate"}, args...), envMap(env), &out, io.Discard)
		return out.String(), err
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"version"}, fmt.Sprintf("version %d (latest %d)", latest, latest)},
		{[]string{"down", "2"}, fmt.Sprintf("version %d (latest %d)", twoBack, latest)},
		{[]string{"up"}, ""},
		{[]string{"version"}, fmt.Sprintf("version %d (latest %d)", latest, latest)},
		{[]string{"force", fmt.Sprint(latest)}, fmt.Sprintf("version %d", latest)},
	}
	for _, s := range steps {
		out, err := migrate(s.args...)
		if err != nil {
			t.Fatalf("migrate %v: %v", s.args, err)
		}
		if !strings.Contains(out, s.want) {
			t.Fatalf("migrate %v printed %q, want %q", s.args, out, s.want)
		}
	}
}

// migrationVersions lists the embedded migration versions in order.
func migrationVersions(t *testing.T) []uint {
	t.Helper()
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var vs []uint
	for _, e := range entries {
		var v uint
		if _, err := fmt.Sscanf(e.Name(), "%d_", &v); err == nil && strings.HasSuffix(e.Name(), ".up.sql") {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	if latest, _ := db.Latest(); len(vs) < 3 || vs[len(vs)-1] != latest {
		t.Fatalf("versions %v, latest %d", vs, latest)
	}
	return vs
}
