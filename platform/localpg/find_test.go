package localpg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeBinDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindBinaries(t *testing.T) {
	t.Parallel()
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	noPGConfig := func() (string, error) { return "", errors.New("no pg_config") }
	full := fakeBinDir(t, "initdb", "pg_ctl", "postgres")
	partial := fakeBinDir(t, "pg_ctl")

	// Nothing anywhere: the error says how to install or what to set.
	_, err := findBinaries("", notFound, noPGConfig, filepath.Join(t.TempDir(), "*", "bin"))
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), "apt-get install postgresql") ||
		!strings.Contains(err.Error(), "THEBRAIN_POSTGRES_BIN_DIR") || !strings.Contains(err.Error(), "THEBRAIN_DATABASE_URL") {
		t.Fatalf("err = %v", err)
	}
	// An explicit directory must hold all three programs.
	if _, err := findBinaries(partial, notFound, noPGConfig, ""); err == nil || !strings.Contains(err.Error(), "THEBRAIN_POSTGRES_BIN_DIR") {
		t.Fatalf("partial dir accepted: %v", err)
	}
	if got, err := findBinaries(full, notFound, noPGConfig, ""); err != nil || got != full {
		t.Fatalf("explicit dir: %q %v", got, err)
	}
	// pg_ctl on PATH through a symlink, as Debian's wrappers do.
	linkDir := t.TempDir()
	if err := os.Symlink(filepath.Join(full, "pg_ctl"), filepath.Join(linkDir, "pg_ctl")); err != nil {
		t.Fatal(err)
	}
	onPath := func(string) (string, error) { return filepath.Join(linkDir, "pg_ctl"), nil }
	if got, err := findBinaries("", onPath, noPGConfig, ""); err != nil || got != full {
		t.Fatalf("PATH symlink: %q %v", got, err)
	}
	// pg_config --bindir.
	if got, err := findBinaries("", notFound, func() (string, error) { return full, nil }, ""); err != nil || got != full {
		t.Fatalf("pg_config: %q %v", got, err)
	}
	// Versioned directories: the newest major wins.
	root := t.TempDir()
	for _, v := range []string{"9", "15", "13"} {
		d := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range required {
			_ = os.WriteFile(filepath.Join(d, n), []byte("#!/bin/sh\n"), 0o755)
		}
	}
	if got, err := findBinaries("", notFound, noPGConfig, filepath.Join(root, "*", "bin")); err != nil || got != filepath.Join(root, "15", "bin") {
		t.Fatalf("versioned: %q %v", got, err)
	}
}
