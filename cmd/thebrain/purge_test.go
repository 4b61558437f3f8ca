package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/modules/research/researchtest"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestPurgeCommand: `thebrain purge` removes trash older than 30 days from
// every module and leaves younger trash and live rows alone.
func TestPurgeCommand(t *testing.T) {
	t.Parallel()
	dbURL := testkit.PostgresURL(t)
	ctx := context.Background()
	pool, err := db.Open(ctx, dbURL, db.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	const day = 24 * time.Hour
	owner := authtest.User(t, pool, "owner")
	books := projectstest.New(t, pool)
	live := books.Create(t, owner.ID, "live")
	oldTrash, youngTrash := books.Create(t, owner.ID, "old trash"), books.Create(t, owner.ID, "young trash")
	books.TrashAged(t, oldTrash, 31*day)
	books.TrashAged(t, youngTrash, 29*day)
	liveChapter := chapterstest.Add(t, pool, live, "live", 10)
	oldChapter, youngChapter := chapterstest.Add(t, pool, live, "old", 10), chapterstest.Add(t, pool, live, "young", 10)
	chapterstest.TrashAged(t, pool, live, oldChapter, 31*day)
	chapterstest.TrashAged(t, pool, live, youngChapter, day)
	oldNote, liveNote := researchtest.AddNote(t, pool, live, "old note"), researchtest.AddNote(t, pool, live, "live note")
	researchtest.TrashNoteAged(t, pool, oldNote, 40*day)

	var out bytes.Buffer
	env := map[string]string{"THEBRAIN_DATABASE_URL": dbURL, "THEBRAIN_REDIS_URL": testkit.RedisURL(t), "THEBRAIN_DATA_DIR": t.TempDir()}
	if err := run(ctx, []string{"thebrain", "purge"}, envMap(env), &out, io.Discard); err != nil {
		t.Fatalf("purge: %v", err)
	}
	for _, want := range []string{"projects: 1 purged", "chapters: 1 purged", "research: 1 purged"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	for name, c := range map[string]struct{ got, want bool }{
		"live book":          {books.Exists(t, live), true},
		"young trashed book": {books.Exists(t, youngTrash), true},
		"old trashed book":   {books.Exists(t, oldTrash), false},
		"live chapter":       {chapterstest.Exists(t, pool, liveChapter), true},
		"young chapter":      {chapterstest.Exists(t, pool, youngChapter), true},
		"old chapter":        {chapterstest.Exists(t, pool, oldChapter), false},
		"live note":          {researchtest.NoteExists(t, pool, liveNote), true},
		"old note":           {researchtest.NoteExists(t, pool, oldNote), false},
	} {
		if c.got != c.want {
			t.Errorf("%s: still stored = %v after purge, want %v", name, c.got, c.want)
		}
	}
}
