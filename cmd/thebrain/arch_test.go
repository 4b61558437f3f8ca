package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
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

// tableOwners says which module owns each table of the schema, and which
// views a module publishes for others to read (rule 3 of
// docs/architecture.md). A new table must be added here: the test below
// fails on one it does not know.
var tableOwners = map[string]string{
	"users": "auth", "sessions": "auth", "refresh_tokens": "auth", "auth_events": "auth", "revocation_outbox": "auth",
	"projects": "projects", "project_members": "projects",
	"chapters": "chapters", "versions": "chapters", "comments": "chapters", "chapter_word_totals": "chapters",
	"research_notes": "research", "citations": "research", "research_attachments": "research", "research_object_deletions": "research",
	"jobs": "jobs", "job_schedules": "jobs",
	"ai_requests": "ai", "ai_chapter_summaries": "ai", "ai_style_samples": "ai",
	// River's tables: the jobs module's PostgreSQL transport.
	"river_job": "jobs", "river_leader": "jobs", "river_migration": "jobs", "river_queue": "jobs",
	"river_notification": "jobs", "river_client": "jobs", "river_client_queue": "jobs",
	"collab_documents": "collab", "collab_updates": "collab",
}

// publishedViews are read contracts their owner keeps; any module may read
// them.
var publishedViews = map[string]string{
	"book_word_totals":      "chapters",
	"book_chapters_changed": "chapters",
	"book_notes_changed":    "research",
}

// sqlTableRef finds the names a statement reads or writes as tables.
var sqlTableRef = regexp.MustCompile(`(?i)\b(?:from|join|into|update|table)\s+([a-z_][a-z0-9_]*)`)

// TestQueriesTouchOnlyTheirModulesTables enforces rule 3: a module's queries
// name its own tables and other modules' published views, never another
// module's tables (foreign keys in migrations are fine).
func TestQueriesTouchOnlyTheirModulesTables(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../modules/*/queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no query files found (%v)", err)
	}
	for _, f := range files {
		mod := filepath.Base(filepath.Dir(filepath.Dir(f)))
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sql strings.Builder
		for _, line := range strings.Split(string(raw), "\n") {
			line, _, _ = strings.Cut(line, "--")
			sql.WriteString(line + "\n")
		}
		for _, m := range sqlTableRef.FindAllStringSubmatch(sql.String(), -1) {
			name := strings.ToLower(m[1])
			if owner, ok := tableOwners[name]; ok && owner != mod {
				t.Errorf("%s: module %s names %s, a table of module %s", f, mod, name, owner)
			}
			if _, ok := publishedViews[name]; ok && publishedViews[name] == mod {
				t.Errorf("%s: module %s reads its own published view %s; use its tables", f, mod, name)
			}
		}
	}
}

// TestEveryTableHasAnOwner keeps tableOwners complete: every table and view
// of the migrated schema is listed.
func TestEveryTableHasAnOwner(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	rows, err := pool.Query(context.Background(), `SELECT table_name, table_type FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name NOT IN ('schema_migrations')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			t.Fatal(err)
		}
		n++
		_, table := tableOwners[name]
		_, view := publishedViews[name]
		switch {
		case kind == "VIEW" && !view:
			t.Errorf("view %s is not in publishedViews", name)
		case kind != "VIEW" && !table:
			t.Errorf("table %s has no owner in tableOwners", name)
		}
	}
	if err := rows.Err(); err != nil || n == 0 {
		t.Fatalf("listed %d tables (%v)", n, err)
	}
}
