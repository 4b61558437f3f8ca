// Package localpg runs a private PostgreSQL cluster from the PostgreSQL
// binaries installed on the machine, so that `thebrain serve` and the tests
// need no database set-up. It is a convenience for local work: production
// always sets THEBRAIN_DATABASE_URL.
package localpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries are found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (looked for initdb, pg_ctl and postgres on PATH, via pg_config --bindir and under /usr/lib/postgresql/*/bin): " +
	"install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@16), " +
	"set THEBRAIN_POSTGRES_BIN_DIR to the directory that holds them, " +
	"or set THEBRAIN_DATABASE_URL to use an existing server")

var required = []string{"initdb", "pg_ctl", "postgres"}

// FindBinaries returns a directory holding initdb, pg_ctl and postgres. An
// explicit dir is checked and used as is.
func FindBinaries(dir string) (string, error) {
	return findBinaries(dir, exec.LookPath, pgConfigBinDir, "/usr/lib/postgresql/*/bin")
}

// findBinaries is FindBinaries with its sources of truth injectable.
func findBinaries(dir string, lookPath func(string) (string, error), pgConfig func() (string, error), glob string) (string, error) {
	if dir != "" {
		if !hasAll(dir) {
			return "", fmt.Errorf("THEBRAIN_POSTGRES_BIN_DIR=%s does not contain %s", dir, strings.Join(required, ", "))
		}
		return dir, nil
	}
	var candidates []string
	if p, err := lookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	if d, err := pgConfig(); err == nil {
		candidates = append(candidates, d)
	}
	candidates = append(candidates, versionDirs(glob)...)
	for _, c := range candidates {
		if hasAll(c) {
			return c, nil
		}
	}
	return "", ErrNoBinaries
}

func pgConfigBinDir() (string, error) {
	out, err := exec.Command("pg_config", "--bindir").Output()
	return strings.TrimSpace(string(out)), err
}

// versionDirs lists the matches of glob (/usr/lib/postgresql/*/bin),
// newest major version first.
func versionDirs(glob string) []string {
	matches, _ := filepath.Glob(glob)
	major := func(p string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		return n
	}
	sort.Slice(matches, func(i, j int) bool { return major(matches[i]) > major(matches[j]) })
	return matches
}

func hasAll(dir string) bool {
	for _, name := range required {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}
