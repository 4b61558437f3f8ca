package access_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// memberships is a Checker over a map, standing in for the projects module
// (whose own tests hold its Checker to the same contract).
type memberships struct {
	mu    sync.Mutex
	roles map[[2]uuid.UUID]roles.Role
	calls int
}

func (m *memberships) set(user, project uuid.UUID, r roles.Role) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r == "" {
		delete(m.roles, [2]uuid.UUID{user, project})
		return
	}
	m.roles[[2]uuid.UUID{user, project}] = r
}

func (m *memberships) Role(_ context.Context, user, project uuid.UUID) (roles.Role, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	r, ok := m.roles[[2]uuid.UUID{user, project}]
	if !ok {
		return "", access.ErrNotFound
	}
	return r, nil
}

func TestRequire(t *testing.T) {
	t.Parallel()
	user, project := uuid.New(), uuid.New()
	ms := &memberships{roles: map[[2]uuid.UUID]roles.Role{{user, project}: roles.Commenter}}
	guard := access.NewGuard(ms)

	r := chi.NewRouter()
	r.Use(authn.Optional(testkit.Verifier(t)), authn.Require)
	for _, min := range roles.All {
		r.With(guard.Require(min)).Get("/"+string(min)+"/{project_id}", func(w http.ResponseWriter, r *http.Request) {
			gr := access.GrantFrom(r.Context())
			if gr.UserID != user || gr.ProjectID != project || gr.Role != roles.Commenter {
				t.Errorf("grant in context = %+v", gr)
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
	c := testkit.Server(t, r)
	tok := testkit.Token(t, user)

	cases := []struct {
		name, path, token string
		status            int
		slug              string
	}{
		{"viewer route", "/viewer/" + project.String(), tok, 204, ""},
		{"commenter route", "/commenter/" + project.String(), tok, 204, ""},
		{"editor route", "/editor/" + project.String(), tok, 403, "forbidden"},
		{"owner route", "/owner/" + project.String(), tok, 403, "forbidden"},
		{"another project", "/viewer/" + uuid.NewString(), tok, 404, "not-found"},
		{"not a member", "/viewer/" + project.String(), testkit.Token(t, uuid.New()), 404, "not-found"},
		{"bad id", "/viewer/nope", tok, 400, "validation"},
		{"anonymous", "/viewer/" + project.String(), "", 401, "unauthenticated"},
	}
	for _, tc := range cases {
		resp := c.Get(tc.path, tc.token)
		if tc.slug == "" {
			testkit.WantStatus(t, resp, tc.status)
			continue
		}
		testkit.WantProblem(t, resp, tc.status, tc.slug)
	}
}

func TestRequireRefusesUnknownRole(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("Require accepted an unknown role")
		}
	}()
	access.NewGuard(&memberships{}).Require("admin")
}

// TestConfirmWaitsForMembershipChange shows the race the in-transaction
// check closes: a member passes the route's check, is removed while the
// request is in flight, and their write must not commit.
func TestConfirmWaitsForMembershipChange(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	user, project := uuid.New(), uuid.New()
	ms := &memberships{roles: map[[2]uuid.UUID]roles.Role{{user, project}: roles.Editor}}
	guard := access.NewGuard(ms)

	gr, err := guard.Check(ctx, user, project, roles.Editor)
	if err != nil {
		t.Fatal(err)
	}

	// The owner starts removing the member and holds the lock.
	removing, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer removing.Rollback(ctx)
	if err := access.LockMembers(ctx, removing, project); err != nil {
		t.Fatal(err)
	}

	// The member's write confirms its grant: it must wait for the removal.
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, pool, func(tx pgx.Tx) error {
			_, err := guard.Confirm(ctx, tx, gr, roles.Editor)
			return err
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("Confirm returned %v while a membership change held the lock", err)
	case <-time.After(200 * time.Millisecond):
	}
	ms.set(user, project, "")
	if err := removing.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Confirm after the removal = %v, want not found", err)
	}
}

func TestConfirmSeesRoleChanges(t *testing.T) {
	t.Parallel()
	pool := testkit.Postgres(t)
	ctx := context.Background()
	user, project := uuid.New(), uuid.New()
	ms := &memberships{roles: map[[2]uuid.UUID]roles.Role{{user, project}: roles.Editor}}
	guard := access.NewGuard(ms)
	gr := access.Grant{UserID: user, ProjectID: project, Role: roles.Editor}

	confirm := func(min roles.Role) (access.Grant, error) {
		var got access.Grant
		err := db.InTx(ctx, pool, func(tx pgx.Tx) (err error) {
			got, err = guard.Confirm(ctx, tx, gr, min)
			return err
		})
		return got, err
	}
	if got, err := confirm(roles.Editor); err != nil || got != gr {
		t.Fatalf("Confirm = %+v, %v; want %+v", got, err, gr)
	}
	ms.set(user, project, roles.Viewer)
	if _, err := confirm(roles.Editor); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("Confirm after a downgrade = %v, want forbidden", err)
	}
	if got, err := confirm(roles.Viewer); err != nil || got.Role != roles.Viewer {
		t.Fatalf("Confirm(viewer) = %+v, %v", got, err)
	}

	// Shared locks do not wait for each other: two writes proceed together.
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if _, err := guard.Confirm(ctx, tx1, gr, roles.Viewer); err != nil {
		t.Fatal(err)
	}
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = db.InTx(quick, pool, func(tx pgx.Tx) error {
		_, err := guard.Confirm(quick, tx, gr, roles.Viewer)
		return err
	})
	if err != nil {
		t.Fatalf("a second write waited for the first: %v", err)
	}
}

func TestGrantFromWithoutRequire(t *testing.T) {
	t.Parallel()
	if gr := access.GrantFrom(context.Background()); gr != (access.Grant{}) || gr.Role.AtLeast(roles.Viewer) {
		t.Fatalf("GrantFrom an empty context = %+v", gr)
	}
}
