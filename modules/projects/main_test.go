package projects_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is one test's world: a private schema, the real router with the
// projects module, and HTTP on a loopback port.
type env struct {
	t    *testing.T
	pool *pgxpool.Pool
	mod  *projects.Module
	c    *testkit.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*projects.Deps) {})
}

// newEnvWith is newEnv with deps adjusted by tweak before the module is
// built. The member-add limit is high unless a test lowers it.
func newEnvWith(t *testing.T, tweak func(*projects.Deps)) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	rdb, keys := testkit.Redis(t)
	deps := projects.Deps{
		DB: pool, AccessDB: accessPool(t, pool), Cursors: page.NewCodec([]byte("projects-test-secret-0123456789abcdef")),
		Users: authtest.New(t, pool).Module(), Redis: rdb, Keys: keys, MemberAddsPerHour: 100_000,
	}
	tweak(&deps)
	mod := projects.New(deps)
	h := server.NewHandler(server.Options{
		Logger: testkit.Logger(t), Modules: []module.Module{mod}, Verifier: testkit.Verifier(t),
	})
	return &env{t: t, pool: pool, mod: mod, c: testkit.Server(t, h)}
}

// accessPool is a second, small pool on pool's schema for the module's
// role checks, as cmd/thebrain opens one (see projects.Deps.AccessDB).
func accessPool(t testing.TB, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	cfg := pool.Config()
	cfg.MaxConns = 4
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("access pool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// project is the Project JSON as a client decodes it.
type project struct {
	ID              uuid.UUID `json:"id"`
	Title           string    `json:"title"`
	Description     string    `json:"description"`
	Genre           string    `json:"genre"`
	TargetWordCount *int      `json:"target_word_count"`
	WordCount       int64     `json:"word_count"`
	Role            string    `json:"role"`
	Version         int       `json:"version"`
	CreatedAt       string    `json:"created_at"`
	UpdatedAt       string    `json:"updated_at"`
	DeletedAt       string    `json:"deleted_at"`
	PurgeAfter      string    `json:"purge_after"`
}

type member struct {
	UserID   uuid.UUID  `json:"user_id"`
	Email    string     `json:"email"`
	FullName string     `json:"full_name"`
	Role     string     `json:"role"`
	AddedBy  *uuid.UUID `json:"added_by"`
	AddedAt  string     `json:"added_at"`
}

type pageOf[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (e *env) user(name string) testkit.TestUser {
	e.t.Helper()
	return authtest.User(e.t, e.pool, name)
}

func (e *env) createProject(token, title string) project {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, "/api/v1/projects", token, map[string]any{"title": title})
	testkit.WantStatus(e.t, resp, http.StatusCreated)
	var p project
	resp.JSON(e.t, &p)
	return p
}

func (e *env) getProject(token string, id uuid.UUID) (*testkit.Response, project) {
	e.t.Helper()
	resp := e.c.Get("/api/v1/projects/"+id.String(), token)
	var p project
	if resp.StatusCode == http.StatusOK {
		resp.JSON(e.t, &p)
	}
	return resp, p
}

func (e *env) addMember(ownerToken string, projectID uuid.UUID, email, role string) {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, "/api/v1/projects/"+projectID.String()+"/members", ownerToken,
		map[string]any{"email": email, "role": role})
	testkit.WantStatus(e.t, resp, http.StatusCreated)
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("exec %q: %v", sql, err)
	}
}

// addChapter adds a chapter of words words through the chapters module's
// fixtures (which keep the book's total); a deleted one goes to the trash.
func (e *env) addChapter(projectID uuid.UUID, words int, deleted bool) uuid.UUID {
	e.t.Helper()
	id := chapterstest.Add(e.t, e.pool, projectID, "Chapter", words)
	if deleted {
		chapterstest.Trash(e.t, e.pool, projectID, id)
	}
	return id
}

func path(parts ...any) string {
	var b strings.Builder
	b.WriteString("/api/v1")
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(fmt.Sprint(p))
	}
	return b.String()
}

// team is the cast of a role matrix: a book's owner, a member of each role,
// a signed-in stranger, and (in callers) an anonymous caller.
type team struct {
	owner, editor, commenter, viewer, stranger testkit.TestUser
}

func (e *env) team() team {
	e.t.Helper()
	return team{
		owner: e.user("owner"), editor: e.user("editor"), commenter: e.user("commenter"),
		viewer: e.user("viewer"), stranger: e.user("stranger"),
	}
}

// callers are the team as testkit.RunRoleMatrix runs it.
func (tm team) callers() []testkit.Caller {
	return []testkit.Caller{
		{Name: "owner", Role: roles.Owner, Token: tm.owner.Token},
		{Name: "editor", Role: roles.Editor, Token: tm.editor.Token},
		{Name: "commenter", Role: roles.Commenter, Token: tm.commenter.Token},
		{Name: "viewer", Role: roles.Viewer, Token: tm.viewer.Token},
		{Name: "stranger", Token: tm.stranger.Token},
		{Name: "anonymous"},
	}
}

// as is the team member behind caller c (the zero user for anonymous).
func (tm team) as(c testkit.Caller) testkit.TestUser {
	return map[string]testkit.TestUser{
		"owner": tm.owner, "editor": tm.editor, "commenter": tm.commenter, "viewer": tm.viewer, "stranger": tm.stranger,
	}[c.Name]
}

// book makes a fresh book of tm's owner shared with the team's members,
// and with others as viewers.
func (e *env) book(t *testing.T, tm team, others ...testkit.TestUser) uuid.UUID {
	t.Helper()
	ec := *e
	ec.t, ec.c = t, e.c.For(t)
	p := ec.createProject(tm.owner.Token, "Matrix")
	ec.addMember(tm.owner.Token, p.ID, tm.editor.Email, "editor")
	ec.addMember(tm.owner.Token, p.ID, tm.commenter.Email, "commenter")
	ec.addMember(tm.owner.Token, p.ID, tm.viewer.Email, "viewer")
	for _, u := range others {
		ec.addMember(tm.owner.Token, p.ID, u.Email, "viewer")
	}
	return p.ID
}

// refused reports whether RunRoleMatrix expects c to be turned away from an
// endpoint whose least role is least.
func refused(c testkit.Caller, least roles.Role) bool {
	return c.Token == "" || c.Role == "" || !c.Role.AtLeast(least)
}

// membershipLockWaiters counts the sessions waiting for the membership lock
// of the book $1 in mode $2: ExclusiveLock (access.LockMembers) or
// ShareLock (access.Guard.Confirm).
const membershipLockWaiters = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
	AND mode = $2
	AND classid::bigint = (hashtextextended('access:' || $1::uuid::text, 0) >> 32) & 4294967295
	AND objid::bigint = hashtextextended('access:' || $1::uuid::text, 0) & 4294967295`

// awaitLockWaiter returns once some session waits for a lock that the
// query waiting (one column: how many sessions wait) counts, and fails t if
// done is ready first: then the request it stands for never waited. It
// polls: there is no event to wait on for another session's lock wait.
func awaitLockWaiter[T any](t *testing.T, pool *pgxpool.Pool, done <-chan T, waiting string, args ...any) {
	t.Helper()
	for {
		select {
		case <-done:
			t.Fatal("the request finished without waiting for the lock")
		default:
		}
		var n int
		if err := pool.QueryRow(context.Background(), waiting, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
