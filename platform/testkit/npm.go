package testkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// npmLockStamp records which package-lock.json a node_modules was installed
// from, so a changed lock file triggers a fresh npm ci.
const npmLockStamp = "node_modules/.thebrain-lock.sha256"

var npmDirs sync.Map // absolute dir -> *npmInstall

type npmInstall struct {
	once sync.Once
	err  error
}

// NPMInstall makes sure node and npm are on PATH and that dir's
// node_modules was installed (npm ci) from its committed lock file; probe
// is a file below dir that must exist afterwards. Each directory is
// installed at most once per test process. The differential tests and
// benchmarks against the JavaScript stack fail, never skip, on an error.
func NPMInstall(dir, probe string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	v, _ := npmDirs.LoadOrStore(abs, &npmInstall{})
	in := v.(*npmInstall)
	in.once.Do(func() { in.err = npmCI(abs, probe) })
	return in.err
}

func npmCI(dir, probe string) error {
	for _, bin := range []string{"node", "npm"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found: %w", bin, err)
		}
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	if got, err := os.ReadFile(filepath.Join(dir, npmLockStamp)); err == nil && strings.TrimSpace(string(got)) == want {
		if _, err := os.Stat(filepath.Join(dir, probe)); err == nil {
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, probe)); err != nil {
		return fmt.Errorf("npm ci in %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, npmLockStamp), []byte(want+"\n"), 0o644)
}
