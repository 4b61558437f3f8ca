package collab

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is a book with a chapter, shared with one user per role, on a fresh
// schema and Redis namespace. Servers started on it (start) are instances of
// one deployment: same database, same Redis prefix, same secret.
type env struct {
	pool     *pgxpool.Pool
	rdb      *redis.Client
	keys     redis.Keys
	books    *projectstest.Books
	chapters *chapters.Module
	verifier *revocable
	project  uuid.UUID
	chapter  uuid.UUID
	owner    testkit.TestUser
	editor   testkit.TestUser
	comm     testkit.TestUser
	viewer   testkit.TestUser
	stranger testkit.TestUser
}

func newEnv(t testing.TB) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	rdb, keys := testkit.Redis(t)
	e := &env{pool: pool, rdb: rdb, keys: keys, books: projectstest.New(t, pool),
		verifier: &revocable{v: testkit.Verifier(t), revoked: map[uuid.UUID]bool{}}}
	e.chapters = chapters.New(chapters.Deps{
		Log: testkit.Logger(t), DB: pool, Guard: access.NewGuard(e.books.Checker()), Cursors: page.NewCodec([]byte("test-cursor-secret-test-cursor-secret")),
	})
	e.owner = authtest.User(t, pool, "owner")
	e.editor = authtest.User(t, pool, "editor")
	e.comm = authtest.User(t, pool, "commenter")
	e.viewer = authtest.User(t, pool, "viewer")
	e.stranger = authtest.User(t, pool, "stranger")
	e.project = e.books.Create(t, e.owner.ID, "A book")
	e.books.Share(t, e.project, e.editor.ID, roles.Editor)
	e.books.Share(t, e.project, e.comm.ID, roles.Commenter)
	e.books.Share(t, e.project, e.viewer.ID, roles.Viewer)
	e.chapter = chapterstest.Add(t, pool, e.project, "One", 0)
	return e
}

// revocable is the test Verifier: real signed tokens (testkit), plus the
// revocation of sessions the auth module would add.
type revocable struct {
	v       authn.Verifier
	mu      sync.Mutex
	revoked map[uuid.UUID]bool
}

func (r *revocable) Verify(ctx context.Context, raw string) (authn.Principal, error) {
	p, err := r.v.Verify(ctx, raw)
	if err != nil {
		return p, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revoked[p.SessionID] {
		return authn.Principal{}, authn.Unauthenticated(apperr.New(apperr.Unauthenticated, "session revoked"))
	}
	return p, nil
}

func (r *revocable) revoke(session uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked[session] = true
}

// instance is one running collaboration server.
type instance struct {
	mod  *Module
	http *httptest.Server
	api  *testkit.Client
	// ws is the y-websocket server URL (the provider appends /<chapter>).
	ws   string
	stop func()
}

// fastTiming makes the housekeeping visible within a test's patience.
var fastTiming = Timing{
	Recheck: 300 * time.Millisecond, Flush: 50 * time.Millisecond, CompactIdle: 500 * time.Millisecond,
	Unload: 2 * time.Second, ShutdownSpread: 100 * time.Millisecond, StreamGrace: time.Second,
	RenderQuiet: 300 * time.Millisecond, RenderMax: time.Second,
}

// start runs an instance until the test ends (or stop).
func (e *env) start(t testing.TB, tune func(*Deps)) *instance {
	t.Helper()
	d := Deps{
		Log: testkit.Logger(t), DB: e.pool, Redis: e.rdb, Keys: e.keys,
		Guard: access.NewGuard(e.books.Checker()), Verifier: e.verifier, Chapters: e.chapters,
		Secret: []byte("test-secret-test-secret-test-secret!"), Timing: fastTiming, ShutdownTimeout: 20 * time.Second,
	}
	if tune != nil {
		tune(&d)
	}
	mod, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- mod.Run(ctx) }()
	h := server.NewHandler(server.Options{Logger: d.Log, Modules: []module.Module{mod, e.chapters}, Verifier: e.verifier, RequestTimeout: time.Minute})
	srv := httptest.NewServer(h)
	var once sync.Once
	in := &instance{mod: mod, http: srv, ws: "ws" + strings.TrimPrefix(srv.URL, "http") + "/collab"}
	in.api = (&testkit.Client{URL: srv.URL, HTTP: srv.Client()}).For(t)
	in.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-ran; err != nil {
				t.Errorf("Run: %v", err)
			}
			srv.Close()
		})
	}
	t.Cleanup(in.stop)
	waitUntil(t, 10*time.Second, "the hub to run", func() bool { return mod.Ready(ctx) == nil })
	return in
}

// waitUntil polls cond every 10 ms.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
