package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/modules/research/researchtest"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/blob/blobtest"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/server"
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
	// Files: one of the old note, one of a note of the old trashed book, one
	// of the live note, in the local store of the data directory.
	dataDir := t.TempDir()
	files, err := blob.NewLocal(blob.LocalOptions{Dir: filepath.Join(dataDir, "blobs"), Path: "/api/v1/blobs", Secret: []byte("purge-test-secret-purge-test"), MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	fileSrv := httptest.NewServer(server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{files}}))
	defer fileSrv.Close()
	pdf := []byte("%PDF-1.4 a source")
	attach := func(project, note uuid.UUID) string {
		key := researchtest.AddAttachment(t, pool, project, note, "source.pdf", "application/pdf", int64(len(pdf)))
		blobtest.Put(t, files, fileSrv.Client(), fileSrv.URL, key, "application/pdf", pdf)
		return key
	}
	oldNoteFile, liveNoteFile := attach(live, oldNote), attach(live, liveNote)
	oldBookFile := attach(oldTrash, researchtest.AddNote(t, pool, oldTrash, "note of an old book"))
	researchtest.TrashNoteAged(t, pool, oldNote, 40*day)

	var out bytes.Buffer
	env := map[string]string{"THEBRAIN_DATABASE_URL": dbURL, "THEBRAIN_REDIS_URL": testkit.RedisURL(t), "THEBRAIN_DATA_DIR": dataDir}
	if err := run(ctx, []string{"thebrain", "purge"}, envMap(env), &out, io.Discard); err != nil {
		t.Fatalf("purge: %v", err)
	}
	for _, want := range []string{"projects: 1 purged", "chapters: 1 purged", "research: 1 purged", "research files: 2 purged"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	stored := func(key string) bool {
		_, err := files.Head(ctx, key)
		if err != nil && !errors.Is(err, blob.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
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
		"old note's file":    {stored(oldNoteFile), false},
		"old book's file":    {stored(oldBookFile), false},
		"live note's file":   {stored(liveNoteFile), true},
	} {
		if c.got != c.want {
			t.Errorf("%s: still stored = %v after purge, want %v", name, c.got, c.want)
		}
	}
}
