package research

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// dbChapters is the ChapterLookup contract over the real chapters table,
// as the chapters module implements it.
type dbChapters struct{ pool *pgxpool.Pool }

func (c dbChapters) ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error) {
	var ok bool
	err := c.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chapters WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL)`, chapterID, projectID).Scan(&ok)
	return ok, err
}

type env struct {
	t        *testing.T
	pool     *pgxpool.Pool
	mod      *Module
	c        *testkit.Client
	project  uuid.UUID
	other    uuid.UUID
	owner    testkit.TestUser
	editor   testkit.TestUser
	comm     testkit.TestUser
	viewer   testkit.TestUser
	stranger testkit.TestUser
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	e := &env{t: t, pool: pool}
	e.owner = testkit.User(t, pool, "owner")
	e.editor = testkit.User(t, pool, "editor")
	e.comm = testkit.User(t, pool, "commenter")
	e.viewer = testkit.User(t, pool, "viewer")
	e.stranger = testkit.User(t, pool, "stranger")
	e.project = e.newProject(e.owner.ID)
	e.other = e.newProject(e.stranger.ID)
	for u, role := range map[uuid.UUID]string{e.editor.ID: RoleEditor, e.comm.ID: RoleCommenter, e.viewer.ID: RoleViewer} {
		e.exec(`INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)`, e.project, u, role)
	}
	log := testkit.Logger(t)
	e.mod = New(Deps{Log: log, DB: pool, Projects: testkit.ProjectAccess{Pool: pool}, Chapters: dbChapters{pool}, Cursors: page.NewCodec([]byte("test-secret-test-secret-test-secret"))})
	h := server.NewHandler(server.Options{Logger: log, Modules: []module.Module{e.mod}, Verifier: testkit.Verifier(t), MaxBodyBytes: 8 << 20, RequestTimeout: time.Minute})
	e.c = testkit.Server(t, h)
	return e
}

func (e *env) newProject(owner uuid.UUID) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	e.exec(`INSERT INTO projects (id, owner_id, title) VALUES ($1, $2, 'A book')`, id, owner)
	return id
}

func (e *env) newChapter(project uuid.UUID) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	e.exec(`INSERT INTO chapters (id, project_id, title, position) VALUES ($1, $2, 'ch', 0)`, id, project)
	return id
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("exec %q: %v", sql, err)
	}
}

func (e *env) path(project uuid.UUID, rest string) string {
	return fmt.Sprintf("/api/v1/projects/%s/%s", project, rest)
}

func (e *env) createNote(token string, body map[string]any) noteResponse {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, e.path(e.project, "notes"), token, body)
	testkit.WantStatus(e.t, resp, http.StatusCreated)
	var n noteResponse
	resp.JSON(e.t, &n)
	return n
}

func (e *env) listNotes(query string) []noteResponse {
	e.t.Helper()
	resp := e.c.Get(e.path(e.project, "notes")+query, e.viewer.Token)
	testkit.WantStatus(e.t, resp, http.StatusOK)
	var p page.Page[noteResponse]
	resp.JSON(e.t, &p)
	return p.Items
}

func (e *env) createCitation(body map[string]any) citationResponse {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, e.path(e.project, "citations"), e.editor.Token, body)
	testkit.WantStatus(e.t, resp, http.StatusCreated)
	var c citationResponse
	resp.JSON(e.t, &c)
	return c
}
