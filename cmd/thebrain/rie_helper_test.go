//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

// rieBinary finds the emulator: THEBRAIN_RIE (make test sets it), else a
// build of the pinned version in the user cache, made here with the Go
// module proxy (or the module cache) when missing. Where it cannot be
// built the test skips, unless THEBRAIN_TEST_REQUIRE_RIE is set (CI sets
// it), when it fails.
func rieBinary(t testing.TB) string {
	t.Helper()
	rieOnce.Do(func() { rieBin, rieErr = findOrBuildRIE() })
	if rieErr != nil {
		if os.Getenv("THEBRAIN_TEST_REQUIRE_RIE") != "" {
			t.Fatalf("the Lambda runtime interface emulator is required (THEBRAIN_TEST_REQUIRE_RIE): %v", rieErr)
		}
		t.Skipf("skipping: the AWS Lambda runtime interface emulator cannot be built here (%v); run `make rie` with access to the Go module proxy", rieErr)
	}
	return rieBin
}

var (
	rieOnce sync.Once
	rieBin  string
	rieErr  error

	bootstrapOnce sync.Once
	bootstrapBin  string
	bootstrapErr  error
)

func findOrBuildRIE() (string, error) {
	if p := os.Getenv("THEBRAIN_RIE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("THEBRAIN_RIE: %w", err)
		}
		return p, nil
	}
	dir := filepath.Join(cacheDir(), "thebrain", "aws-lambda-rie@"+rieVersion)
	bin := filepath.Join(dir, "aws-lambda-rie")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "rie-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", rieModule+"/cmd/aws-lambda-rie@"+rieVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %v: %s", rieModule, rieVersion, err, lastLine(out))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "aws-lambda-rie"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// cacheDir is the user's cache directory, or the temporary one where there
// is none (no HOME).
func cacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return d
	}
	return os.TempDir()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// bootstrapBinary builds this package as Lambda runs it: static
// (CGO_ENABLED=0), -tags lambda.norpc, for the host's architecture (the
// deployed asset is the same build for arm64; make lambda). It is built
// once per test process into a cache directory of this checkout.
func bootstrapBinary(t testing.TB) string {
	t.Helper()
	bootstrapOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			bootstrapErr = err
			return
		}
		sum := sha256.Sum256([]byte(wd))
		dir := filepath.Join(cacheDir(), "thebrain", "lambda-test-"+hex.EncodeToString(sum[:6]))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			bootstrapErr = err
			return
		}
		tmp := filepath.Join(dir, fmt.Sprintf("bootstrap.%d", os.Getpid()))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", tmp, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			bootstrapErr = fmt.Errorf("go build -tags lambda.norpc: %v\n%s", err, out)
			return
		}
		bootstrapBin = filepath.Join(dir, "bootstrap")
		bootstrapErr = os.Rename(tmp, bootstrapBin)
	})
	if bootstrapErr != nil {
		t.Fatal(bootstrapErr)
	}
	return bootstrapBin
}

// rieProc is the binary running under the emulator, as a Lambda sandbox.
type rieProc struct {
	url     string
	cmd     *exec.Cmd
	out     *testkit.SyncBuffer // the emulator's and the function's output
	started time.Time
	done    chan struct{}
}

// startRIE starts `aws-lambda-rie bootstrap args...` with env as the
// function's whole environment (the emulator passes it through). The
// function itself starts on the first invocation, as Lambda's cold start
// does.
func startRIE(t testing.TB, env map[string]string, args ...string) *rieProc {
	t.Helper()
	rie, boot := rieBinary(t), bootstrapBinary(t)
	apiAddr, rieAddr := freeAddr(t), freeAddr(t)
	cmdArgs := append([]string{"--log-level", "error", "--runtime-api-address", apiAddr, "--runtime-interface-emulator-address", rieAddr, boot}, args...)
	cmd := exec.Command(rie, cmdArgs...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_LAMBDA_FUNCTION_TIMEOUT=30"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &rieProc{url: "http://" + rieAddr + "/2015-03-31/functions/function/invocations", cmd: cmd, out: &testkit.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	// Its own process group, killed with the test binary: the emulator
	// owns the function's process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	return p
}

// stop kills the emulator and the function it started (its process group).
func (p *rieProc) stop() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// invoke sends payload to the emulator's invoke endpoint as Lambda's
// service would and returns the function's raw answer. It waits for the
// emulator to listen.
func (p *rieProc) invoke(t testing.TB, payload []byte) []byte {
	t.Helper()
	raw, err := p.tryInvoke(payload, 60*time.Second)
	if err != nil {
		t.Fatalf("invoke: %v\noutput:\n%s", err, p.out.String())
	}
	return raw
}

func (p *rieProc) tryInvoke(payload []byte, wait time.Duration) ([]byte, error) {
	deadline := time.Now().Add(wait)
	for {
		resp, err := http.Post(p.url, "application/json", bytes.NewReader(payload))
		if err == nil {
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				return nil, err
			}
			if resp.StatusCode != http.StatusOK {
				return raw, fmt.Errorf("emulator answered %d: %s", resp.StatusCode, raw)
			}
			return raw, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("the emulator exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// invokeJSON marshals v as the event.
func (p *rieProc) invokeJSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return p.invoke(t, raw)
}
