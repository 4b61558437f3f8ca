package projects

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// requireBook is access.Guard.Require for the module's own routes: the same
// contract (the signed-in caller's role in {project_id} at least min, else
// 404 "project not found" or 403; the Grant in the context), but it loads
// the whole book with the role in one query and leaves it in the context
// too (bookFrom), so reading a book stays one query.
func (m *Module) requireBook(min roles.Role) func(http.Handler) http.Handler {
	return m.require(min, func(ctx context.Context, g access.Grant) (context.Context, roles.Role, error) {
		b, err := m.svc.Book(ctx, g.UserID, g.ProjectID)
		if err != nil {
			return ctx, "", err
		}
		return context.WithValue(ctx, bookKey{}, b), b.Role, nil
	})
}

// requireRestorable is requireBook(roles.Owner) for POST .../restore, the
// one route that reaches into the trash: a trashed book is there for its
// owner and missing (404) for everyone else; a member below the owner of a
// live book gets 403. The book is not loaded: the service locks it.
func (m *Module) requireRestorable(next http.Handler) http.Handler {
	return m.require(roles.Owner, func(ctx context.Context, g access.Grant) (context.Context, roles.Role, error) {
		role, err := m.svc.RestoreRole(ctx, g.UserID, g.ProjectID)
		return ctx, role, err
	})(next)
}

// require is the middleware both share: load finds the caller's role in the
// project (and may add to the context).
func (m *Module) require(min roles.Role, load func(context.Context, access.Grant) (context.Context, roles.Role, error)) func(http.Handler) http.Handler {
	if !min.Valid() {
		panic(fmt.Sprintf("projects: require(%q): unknown role", min))
	}
	return func(next http.Handler) http.Handler {
		return httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
			projectID, err := httpx.PathUUID(r, access.ProjectParam)
			if err != nil {
				return err
			}
			ctx := r.Context()
			g := access.Grant{UserID: authn.UserID(ctx), ProjectID: projectID}
			if g.UserID == uuid.Nil || g.ProjectID == uuid.Nil {
				return access.ErrNotFound
			}
			if ctx, g.Role, err = load(ctx, g); err != nil {
				return err
			}
			if !g.Role.AtLeast(min) {
				return access.Forbidden(min)
			}
			next.ServeHTTP(w, r.WithContext(access.WithGrant(ctx, g)))
			return nil
		})
	}
}

type bookKey struct{}

// bookFrom returns the book requireBook loaded for the request.
func bookFrom(ctx context.Context) book {
	b, _ := ctx.Value(bookKey{}).(book)
	return b
}

// handleListProjects handles GET /api/v1/projects.
func (m *Module) handleListProjects(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.svc.ListProjects(ctx, authn.UserID(ctx), pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toProjectResponse))
}

// handleCreateProject handles POST /api/v1/projects.
func (m *Module) handleCreateProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	req, err := httpx.Decode[createProjectRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	b, err := m.svc.CreateProject(ctx, authn.UserID(ctx), req.fields())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+b.ID.String())
	httpx.SetETag(w, b.Version)
	return httpx.Encode(w, http.StatusCreated, toProjectResponse(b))
}

// handleGetProject handles GET /api/v1/projects/{project_id}: the book
// requireBook loaded, so the request costs that one query.
func (m *Module) handleGetProject(w http.ResponseWriter, r *http.Request) error {
	b := bookFrom(r.Context())
	httpx.SetETag(w, b.Version)
	return httpx.Encode(w, http.StatusOK, toProjectResponse(b))
}

// handleReplaceProject handles PUT /api/v1/projects/{project_id}: every
// editable field is replaced; absent optional fields become empty.
func (m *Module) handleReplaceProject(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[replaceProjectRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	return m.updateProject(w, r, req.Version, req.change())
}

// handlePatchProject handles PATCH /api/v1/projects/{project_id} (JSON merge
// patch: absent fields are kept, null clears).
func (m *Module) handlePatchProject(w http.ResponseWriter, r *http.Request) error {
	req, err := httpx.Decode[patchProjectRequest](w, r, httpx.MaxBytes(maxBody))
	if err != nil {
		return err
	}
	return m.updateProject(w, r, present(req.Version), req.change())
}

// updateProject is the rest of PUT and PATCH once the body is read: the
// version the write names (body or If-Match), the change, the new book.
func (m *Module) updateProject(w http.ResponseWriter, r *http.Request, version *int64, change projectChange) error {
	ctx := r.Context()
	want, err := httpx.RequireVersion(r, version)
	if err != nil {
		return err
	}
	b, err := m.svc.UpdateProject(ctx, access.GrantFrom(ctx), want, change)
	if err != nil {
		return err
	}
	httpx.SetETag(w, b.Version)
	return httpx.Encode(w, http.StatusOK, toProjectResponse(b))
}

// handleDeleteProject handles DELETE /api/v1/projects/{project_id}: the
// project goes to the trash. If-Match is honoured when sent.
func (m *Module) handleDeleteProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	if err := m.svc.TrashProject(ctx, access.GrantFrom(ctx), want); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// handleRestoreProject handles POST /api/v1/projects/{project_id}/restore.
func (m *Module) handleRestoreProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	b, err := m.svc.RestoreProject(ctx, access.GrantFrom(ctx))
	if err != nil {
		return err
	}
	httpx.SetETag(w, b.Version)
	return httpx.Encode(w, http.StatusOK, toProjectResponse(b))
}

// handleListTrash handles GET /api/v1/trash: the caller's deleted projects
// that can still be restored.
func (m *Module) handleListTrash(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.svc.ListTrash(ctx, authn.UserID(ctx), pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toTrashedProjectResponse))
}
