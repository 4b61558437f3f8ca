package projects_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/roles"
)

// TestAccess checks the module's access.Checker (Role), and an access.Guard
// over it, for every kind of caller and every least role.
func TestAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, editor, commenter, viewer, stranger := e.user("owner"), e.user("editor"), e.user("commenter"), e.user("viewer"), e.user("stranger")
	p := e.createProject(owner.Token, "Access")
	e.addMember(owner.Token, p.ID, editor.Email, "editor")
	e.addMember(owner.Token, p.ID, commenter.Email, "commenter")
	e.addMember(owner.Token, p.ID, viewer.Email, "viewer")
	trashed := e.createProject(owner.Token, "Trashed")
	e.addMember(owner.Token, trashed.ID, editor.Email, "editor")
	e.exec(`UPDATE projects SET deleted_at = now() WHERE id = $1`, trashed.ID)
	acc := e.mod.Access()
	guard := access.NewGuard(acc)
	ctx := context.Background()

	cases := []struct {
		name    string
		user    uuid.UUID
		project uuid.UUID
		role    roles.Role // the caller's role; "" when the project is hidden
	}{
		{"owner", owner.ID, p.ID, roles.Owner},
		{"editor", editor.ID, p.ID, roles.Editor},
		{"commenter", commenter.ID, p.ID, roles.Commenter},
		{"viewer", viewer.ID, p.ID, roles.Viewer},
		{"stranger", stranger.ID, p.ID, ""},
		{"anonymous", uuid.Nil, p.ID, ""},
		{"missing project", owner.ID, uuid.Must(uuid.NewV7()), ""},
		{"trashed project, owner", owner.ID, trashed.ID, ""},
		{"trashed project, editor", editor.ID, trashed.ID, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name+" Role", func(t *testing.T) {
			t.Parallel()
			role, err := acc.Role(ctx, tc.user, tc.project)
			switch {
			case tc.role == "":
				if err != access.ErrNotFound {
					t.Fatalf("Role = %q, %v; want access.ErrNotFound", role, err)
				}
			case err != nil || role != tc.role:
				t.Fatalf("Role = %q, %v; want %q", role, err, tc.role)
			}
		})
		for _, min := range roles.All {
			t.Run(tc.name+" needs "+string(min), func(t *testing.T) {
				t.Parallel()
				g, err := guard.Check(ctx, tc.user, tc.project, min)
				switch {
				case tc.role == "":
					if !apperr.Is(err, apperr.NotFound) || apperr.As(err).Detail != "project not found" {
						t.Fatalf("Check = %+v, %v; want NotFound \"project not found\"", g, err)
					}
				case tc.role.AtLeast(min):
					if err != nil || g.Role != tc.role {
						t.Fatalf("Check = %+v, %v; want %q", g, err, tc.role)
					}
				default:
					if !apperr.Is(err, apperr.Forbidden) {
						t.Fatalf("Check = %+v, %v; want Forbidden", g, err)
					}
				}
			})
		}
	}
	t.Run("unknown minimum role is a programming error", func(t *testing.T) {
		t.Parallel()
		_, err := guard.Check(ctx, owner.ID, p.ID, "admin")
		if err == nil || apperr.KindOf(err) != apperr.Internal || !strings.Contains(err.Error(), "admin") {
			t.Fatalf("Check(admin) = %v, want an internal error", err)
		}
	})
}

// TestNewNeedsAnAccessPool: role checks without a pool of their own could
// deadlock under load, so building the module so is refused at once.
func TestNewNeedsAnAccessPool(t *testing.T) {
	t.Parallel()
	// A pool that never connects: New must refuse before using it.
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for name, d := range map[string]projects.Deps{
		"no access pool":         {DB: pool},
		"access pool is DB pool": {DB: pool, AccessDB: pool},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "AccessDB") {
					t.Fatalf("New = panic %v, want a panic naming AccessDB", r)
				}
			}()
			projects.New(d)
		})
	}
}
