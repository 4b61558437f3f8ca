package projects_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/platform/apperr"
)

func TestAccessRequire(t *testing.T) {
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
	access := e.mod.Access()
	ctx := context.Background()

	mins := []string{projects.RoleViewer, projects.RoleCommenter, projects.RoleEditor, projects.RoleOwner}
	cases := []struct {
		name    string
		user    uuid.UUID
		project uuid.UUID
		role    string // the caller's role; "" when the project is hidden
	}{
		{"owner", owner.ID, p.ID, "owner"},
		{"editor", editor.ID, p.ID, "editor"},
		{"commenter", commenter.ID, p.ID, "commenter"},
		{"viewer", viewer.ID, p.ID, "viewer"},
		{"stranger", stranger.ID, p.ID, ""},
		{"anonymous", uuid.Nil, p.ID, ""},
		{"missing project", owner.ID, uuid.Must(uuid.NewV7()), ""},
		{"trashed project, owner", owner.ID, trashed.ID, ""},
		{"trashed project, editor", editor.ID, trashed.ID, ""},
	}
	rank := map[string]int{"viewer": 1, "commenter": 2, "editor": 3, "owner": 4}
	for _, tc := range cases {
		for _, min := range mins {
			t.Run(tc.name+" needs "+min, func(t *testing.T) {
				t.Parallel()
				role, err := access.Require(ctx, tc.user, tc.project, min)
				switch {
				case tc.role == "":
					if !apperr.Is(err, apperr.NotFound) || apperr.As(err).Detail != "project not found" {
						t.Fatalf("Require = %q, %v; want NotFound \"project not found\"", role, err)
					}
				case rank[tc.role] >= rank[min]:
					if err != nil || role != tc.role {
						t.Fatalf("Require = %q, %v; want %q", role, err, tc.role)
					}
				default:
					if !apperr.Is(err, apperr.Forbidden) {
						t.Fatalf("Require = %q, %v; want Forbidden", role, err)
					}
				}
			})
		}
	}
	t.Run("unknown minimum role is a programming error", func(t *testing.T) {
		t.Parallel()
		_, err := access.Require(ctx, owner.ID, p.ID, "admin")
		if err == nil || apperr.KindOf(err) != apperr.Internal || !strings.Contains(err.Error(), "admin") {
			t.Fatalf("Require(admin) = %v, want an internal error", err)
		}
	})
}
