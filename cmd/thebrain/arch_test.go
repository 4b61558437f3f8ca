package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const modulePath = "github.com/thebrain/thebrain"

type listedPackage struct {
	ImportPath string
	Imports    []string
}

// goList returns the packages matched by pattern with their imports.
func goList(t *testing.T, pattern string) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-json", pattern).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// moduleOf returns "chapters" for ".../modules/chapters/internal/store".
func moduleOf(importPath string) string {
	rest, ok := strings.CutPrefix(importPath, modulePath+"/modules/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// TestModulesDoNotImportEachOther enforces the modular monolith's first
// rule: what a module needs from another is an interface it declares, wired
// in cmd/thebrain. The platform never imports a module.
func TestModulesDoNotImportEachOther(t *testing.T) {
	t.Parallel()
	for _, p := range goList(t, modulePath+"/modules/...") {
		self := moduleOf(p.ImportPath)
		for _, imp := range p.Imports {
			if other := moduleOf(imp); other != "" && other != self {
				t.Errorf("module %s (%s) imports module %s (%s)", self, p.ImportPath, other, imp)
			}
		}
	}
	for _, p := range goList(t, modulePath+"/platform/...") {
		for _, imp := range p.Imports {
			if moduleOf(imp) != "" {
				t.Errorf("platform package %s imports module package %s", p.ImportPath, imp)
			}
		}
	}
}

func TestModuleOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		modulePath + "/modules/chapters":                "chapters",
		modulePath + "/modules/chapters/internal/store": "chapters",
		modulePath + "/platform/httpx":                  "",
		"github.com/other/modules/x":                    "",
	} {
		if got := moduleOf(in); got != want {
			t.Errorf("moduleOf(%s) = %q, want %q", in, got, want)
		}
	}
}
