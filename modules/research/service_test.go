package research

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// TestConcurrentSavesNeverLoseWork sends two saves of the same version at
// once, for a note and for a citation: exactly one wins and the other gets
// 412.
func TestConcurrentSavesNeverLoseWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 4 {
		n := e.createNote(t, e.owner.Token, map[string]any{"title": "n"})
		c := e.createCitation(t, map[string]any{"title": "c"})
		for _, path := range []string{"notes/" + n.ID.String(), "citations/" + c.ID.String()} {
			codes := make([]int, 2)
			var wg sync.WaitGroup
			for i, tok := range []string{e.owner.Token, e.editor.Token} {
				wg.Go(func() {
					resp := e.c.Do(testkit.Request{Method: http.MethodPatch, Path: e.path(e.project, path), Token: tok,
						Header: http.Header{"If-Match": {`"1"`}}, Body: map[string]any{"title": []string{"first", "second"}[i]}})
					codes[i] = resp.StatusCode
				})
			}
			wg.Wait()
			slices.Sort(codes)
			if codes[0] != http.StatusOK || codes[1] != http.StatusPreconditionFailed {
				t.Fatalf("round %d %s: statuses %v, want one 200 and one 412", round, path, codes)
			}
		}
	}
}

// TestWritesConfirmTheRoleInTheirTransaction shows every write re-checking
// its caller's role inside its transaction: the editor passes the route's
// check, the membership changes while the write waits for the project's
// membership lock (held here as a membership change holds it), and the
// write answers as the new membership does and commits nothing.
func TestWritesConfirmTheRoleInTheirTransaction(t *testing.T) {
	t.Parallel()
	lowered := &loweredRoles{roles: map[[2]uuid.UUID]roles.Role{}}
	e := newEnvWith(t, func(c access.Checker) access.Checker { lowered.Checker = c; return lowered })
	ctx := context.Background()
	req := func(method, path string, body any) testkit.Request {
		return testkit.Request{Method: method, Path: path, Token: e.editor.Token, Body: body}
	}
	note := func(t *testing.T, p uuid.UUID) string {
		return e.path(p, "notes/"+e.createNoteIn(t, p, e.owner.Token, map[string]any{"title": "n"}).ID.String())
	}
	citation := func(t *testing.T, p uuid.UUID) string {
		return e.path(p, "citations/"+e.createCitationIn(t, p, e.owner.Token, map[string]any{"title": "c"}).ID.String())
	}
	trashed := func(t *testing.T, p uuid.UUID, path string) string {
		testkit.WantStatus(t, e.c.For(t).Send(http.MethodDelete, path, e.owner.Token, nil), http.StatusNoContent)
		return path + "/restore"
	}
	writes := []struct {
		name    string
		request func(t *testing.T, project uuid.UUID) testkit.Request // makes what the write needs
	}{
		{"create note", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("POST", e.path(p, "notes"), map[string]any{"title": "x"})
		}},
		{"put note", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("PUT", note(t, p), map[string]any{"title": "x", "version": 1})
		}},
		{"patch note", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("PATCH", note(t, p), map[string]any{"title": "x", "version": 1})
		}},
		{"delete note", func(t *testing.T, p uuid.UUID) testkit.Request { return req("DELETE", note(t, p), nil) }},
		{"restore note", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("POST", trashed(t, p, note(t, p)), nil)
		}},
		{"create citation", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("POST", e.path(p, "citations"), map[string]any{"title": "x"})
		}},
		{"put citation", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("PUT", citation(t, p), map[string]any{"title": "x", "version": 1})
		}},
		{"patch citation", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("PATCH", citation(t, p), map[string]any{"title": "x", "version": 1})
		}},
		{"delete citation", func(t *testing.T, p uuid.UUID) testkit.Request { return req("DELETE", citation(t, p), nil) }},
		{"restore citation", func(t *testing.T, p uuid.UUID) testkit.Request {
			return req("POST", trashed(t, p, citation(t, p)), nil)
		}},
	}
	changes := []struct {
		name   string
		apply  func(t *testing.T, project uuid.UUID)
		status int
		slug   string
	}{
		{"book trashed", func(t *testing.T, p uuid.UUID) { e.books.Trash(t, p) }, http.StatusNotFound, "not-found"},
		{"editor made viewer", func(t *testing.T, p uuid.UUID) { lowered.set(e.editor.ID, p, roles.Viewer) }, http.StatusForbidden, "forbidden"},
	}
	for _, w := range writes {
		for _, change := range changes {
			// Not parallel: each case holds two of the pool's connections.
			t.Run(w.name+" after "+change.name, func(t *testing.T) {
				project := e.books.Create(t, e.owner.ID, "A book")
				e.books.Share(t, project, e.editor.ID, roles.Editor)
				r := w.request(t, project)
				before := researchRows(t, e, project)

				changing, err := e.pool.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer changing.Rollback(ctx)
				if err := access.LockMembers(ctx, changing, project); err != nil {
					t.Fatal(err)
				}
				done := make(chan *testkit.Response, 1)
				go func() { done <- e.c.For(t).Do(r) }()
				awaitMembershipWaiter(t, e, project, done)
				change.apply(t, project)
				if err := changing.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				select {
				case resp := <-done:
					testkit.WantProblem(t, resp, change.status, change.slug)
				case <-time.After(time.Minute):
					t.Fatal("the write did not finish after the membership change committed")
				}
				if d := cmp.Diff(before, researchRows(t, e, project)); d != "" {
					t.Errorf("the write committed (-before +after):\n%s", d)
				}
			})
		}
	}
}

// loweredRoles is the projects module's Checker, except for the roles the
// test lowers while a request is in flight: the projects fixtures cannot
// change a member's role, and this is all of such a change research sees.
type loweredRoles struct {
	access.Checker
	mu    sync.Mutex
	roles map[[2]uuid.UUID]roles.Role
}

func (l *loweredRoles) set(user, project uuid.UUID, r roles.Role) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roles[[2]uuid.UUID{user, project}] = r
}

func (l *loweredRoles) Role(ctx context.Context, user, project uuid.UUID) (roles.Role, error) {
	l.mu.Lock()
	r, ok := l.roles[[2]uuid.UUID{user, project}]
	l.mu.Unlock()
	if ok {
		return r, nil
	}
	return l.Checker.Role(ctx, user, project)
}

// awaitMembershipWaiter returns once a transaction waits for project's
// membership lock (the key access.Confirm takes), and fails when the write
// answered without waiting for it.
func awaitMembershipWaiter(t *testing.T, e *env, project uuid.UUID, done <-chan *testkit.Response) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var waiting bool
		err := e.pool.QueryRow(context.Background(), `
			WITH k AS (SELECT hashtextextended('access:' || $1::uuid::text, 0) AS key)
			SELECT EXISTS (SELECT 1 FROM pg_locks, k WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
				AND classid::bigint = (k.key >> 32) & 4294967295 AND objid::bigint = k.key & 4294967295)`, project).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		select {
		case resp := <-done:
			t.Fatalf("the write answered %d without waiting for the membership lock: %s", resp.StatusCode, resp.Body)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no write waits for the membership lock")
		}
	}
}

// researchRows is every note and citation of project as stored.
func researchRows(t *testing.T, e *env, project uuid.UUID) []string {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), `
		SELECT format('note %s %s v%s trashed=%s', id, title, version, deleted_at IS NOT NULL) FROM research_notes WHERE project_id = $1
		UNION ALL
		SELECT format('citation %s %s v%s trashed=%s', id, title, version, deleted_at IS NOT NULL) FROM citations WHERE project_id = $1
		ORDER BY 1`, project)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
