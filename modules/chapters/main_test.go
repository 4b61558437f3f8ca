package chapters

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is one test's world: a book with a member of every role, a second
// book the caller's ids must never reach, and the real router.
type env struct {
	t        testing.TB
	pool     *pgxpool.Pool
	books    *projectstest.Books
	mod      *Module
	c        *testkit.Client
	project  uuid.UUID
	other    uuid.UUID // a project owned by stranger
	owner    testkit.TestUser
	editor   testkit.TestUser
	comm     testkit.TestUser
	viewer   testkit.TestUser
	stranger testkit.TestUser
	ahead    atomic.Int64 // how far the module's clock runs ahead of time.Now
}

func newEnv(t testing.TB) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	e := &env{t: t, pool: pool, books: projectstest.New(t, pool)}
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
	log := testkit.Logger(t)
	e.mod = New(Deps{
		Log: log, DB: pool, Guard: e.books.Guard(), Users: authtest.New(t, pool).Module(),
		Cursors: page.NewCodec([]byte("test-secret-test-secret-test-secret")),
	})
	e.mod.svc.now = func() time.Time { return time.Now().Add(time.Duration(e.ahead.Load())) }
	h := server.NewHandler(server.Options{
		Logger: log, Modules: []module.Module{e.mod}, Verifier: testkit.Verifier(t),
		MaxBodyBytes: 8 << 20, RequestTimeout: time.Minute,
	})
	e.c = testkit.Server(t, h)
	return e
}

// clockAhead makes the module's clock run d ahead of the real one (0: in
// step again).
func (e *env) clockAhead(d time.Duration) { e.ahead.Store(int64(d)) }

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("exec %q: %v", sql, err)
	}
}

func (e *env) chaptersPath(project uuid.UUID) string {
	return fmt.Sprintf("/api/v1/projects/%s/chapters", project)
}

func (e *env) chapterPath(project, chapter uuid.UUID) string {
	return fmt.Sprintf("/api/v1/projects/%s/chapters/%s", project, chapter)
}

// createChapter creates a chapter as the owner and returns it.
func (e *env) createChapter(title, content string) chapterResponse {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, e.chaptersPath(e.project), e.owner.Token, map[string]any{"title": title, "content": content})
	testkit.WantStatus(e.t, resp, http.StatusCreated)
	var ch chapterResponse
	resp.JSON(e.t, &ch)
	return ch
}

// order returns the project's chapter titles in position order, checking
// that positions are exactly 0..n-1.
func (e *env) order(project uuid.UUID) []string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(),
		`SELECT title, position FROM chapters WHERE project_id = $1 AND deleted_at IS NULL ORDER BY position`, project)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var titles []string
	for i := 0; rows.Next(); i++ {
		var title string
		var pos int
		if err := rows.Scan(&title, &pos); err != nil {
			e.t.Fatal(err)
		}
		if pos != i {
			e.t.Fatalf("chapter %q at position %d, want %d (positions must stay dense)", title, pos, i)
		}
		titles = append(titles, title)
	}
	return titles
}

func ptr[T any](v T) *T { return &v }

// allPages follows a list's cursors from path (which has a query) as the
// viewer and returns every item and how many pages held them.
func allPages[T any](t *testing.T, e *env, path string) (items []T, pages int) {
	t.Helper()
	cursor := ""
	for {
		p := path
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		resp := e.c.For(t).Get(p, e.viewer.Token)
		testkit.WantStatus(t, resp, http.StatusOK)
		var pg page.Page[T]
		resp.JSON(t, &pg)
		items = append(items, pg.Items...)
		pages++
		if cursor = pg.NextCursor; cursor == "" {
			return items, pages
		}
	}
}
