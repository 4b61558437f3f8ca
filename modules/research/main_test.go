package research

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/blob/blobtest"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is the research module on a fresh schema, wired as app.go wires it:
// roles from the projects module's Checker, chapters from the chapters
// module's ChapterExists. project is owned by owner and shared with editor,
// comm and viewer; other is stranger's.
type env struct {
	pool     *pgxpool.Pool
	books    *projectstest.Books
	c        *testkit.Client
	project  uuid.UUID
	other    uuid.UUID
	owner    testkit.TestUser
	editor   testkit.TestUser
	comm     testkit.TestUser
	viewer   testkit.TestUser
	stranger testkit.TestUser
	// blobs holds attachments: a local store served by the server under
	// test, or an S3 store on an in-process S3; clock is what its links
	// expire by.
	blobs blob.Store
	clock *blobtest.Clock
	s3    *blobtest.S3 // the S3 server, on an S3 env
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv whose Guard asks wrap(the projects module's Checker).
func newEnvWith(t *testing.T, wrap func(access.Checker) access.Checker) *env {
	return newEnvStore(t, wrap, "local")
}

// newEnvStore is newEnvWith on the blob store kind, "local" or "s3".
func newEnvStore(t *testing.T, wrap func(access.Checker) access.Checker, kind string) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	e := &env{pool: pool, books: projectstest.New(t, pool)}
	e.owner = authtest.User(t, pool, "owner")
	e.editor = authtest.User(t, pool, "editor")
	e.comm = authtest.User(t, pool, "commenter")
	e.viewer = authtest.User(t, pool, "viewer")
	e.stranger = authtest.User(t, pool, "stranger")
	e.project = e.books.Create(t, e.owner.ID, "A book")
	e.other = e.books.Create(t, e.stranger.ID, "Another book")
	e.books.Share(t, e.project, e.editor.ID, roles.Editor)
	e.books.Share(t, e.project, e.comm.ID, roles.Commenter)
	e.books.Share(t, e.project, e.viewer.ID, roles.Viewer)
	checker := e.books.Checker()
	if wrap != nil {
		checker = wrap(checker)
	}
	log := testkit.Logger(t)
	mods := []module.Module{}
	switch kind {
	case "local":
		l, clock := blobtest.Local(t, "/api/v1/blobs")
		e.blobs, e.clock = l, clock
		mods = append(mods, l)
	case "s3":
		f := blobtest.NewS3(t)
		e.blobs, e.clock, e.s3 = f.Store, f.Clock, f
	default:
		t.Fatalf("no blob store %q", kind)
	}
	mod := New(Deps{
		DB: pool, Guard: access.NewGuard(checker), Chapters: chapters.New(chapters.Deps{DB: pool}),
		Cursors: page.NewCodec([]byte("test-secret-test-secret-test-secret")), Blobs: e.blobs,
	})
	mods = append(mods, mod)
	h := server.NewHandler(server.Options{Logger: log, Modules: mods, Verifier: testkit.Verifier(t), MaxBodyBytes: 8 << 20, RequestTimeout: time.Minute})
	e.c = testkit.Server(t, h)
	return e
}

// callers are the role matrix's identities in project.
func (e *env) callers() []testkit.Caller {
	return []testkit.Caller{
		{Name: "owner", Role: roles.Owner, Token: e.owner.Token},
		{Name: "editor", Role: roles.Editor, Token: e.editor.Token},
		{Name: "commenter", Role: roles.Commenter, Token: e.comm.Token},
		{Name: "viewer", Role: roles.Viewer, Token: e.viewer.Token},
		{Name: "non-member", Token: e.stranger.Token},
		{Name: "anonymous"},
	}
}

func (e *env) newChapter(t testing.TB, project uuid.UUID) uuid.UUID {
	return chapterstest.Add(t, e.pool, project, "ch", 0)
}

func (e *env) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

func (e *env) path(project uuid.UUID, rest string) string {
	return fmt.Sprintf("/api/v1/projects/%s/%s", project, rest)
}

func (e *env) createNote(t testing.TB, token string, body map[string]any) noteResponse {
	return e.createNoteIn(t, e.project, token, body)
}

func (e *env) createNoteIn(t testing.TB, project uuid.UUID, token string, body map[string]any) noteResponse {
	t.Helper()
	resp := e.c.For(t).Send(http.MethodPost, e.path(project, "notes"), token, body)
	testkit.WantStatus(t, resp, http.StatusCreated)
	var n noteResponse
	resp.JSON(t, &n)
	return n
}

func (e *env) listNotes(t testing.TB, query string) []noteResponse {
	t.Helper()
	resp := e.c.For(t).Get(e.path(e.project, "notes")+query, e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var p page.Page[noteResponse]
	resp.JSON(t, &p)
	return p.Items
}

func (e *env) createCitation(t testing.TB, body map[string]any) citationResponse {
	return e.createCitationIn(t, e.project, e.editor.Token, body)
}

func (e *env) createCitationIn(t testing.TB, project uuid.UUID, token string, body map[string]any) citationResponse {
	t.Helper()
	resp := e.c.For(t).Send(http.MethodPost, e.path(project, "citations"), token, body)
	testkit.WantStatus(t, resp, http.StatusCreated)
	var c citationResponse
	resp.JSON(t, &c)
	return c
}

// trash moves a note or citation ("notes/<id>", "citations/<id>") of
// project to the trash.
func (e *env) trash(t testing.TB, project uuid.UUID, token, rest string) {
	t.Helper()
	testkit.WantStatus(t, e.c.For(t).Send(http.MethodDelete, e.path(project, rest), token, nil), http.StatusNoContent)
}
