// Package research owns what an author gathers beside the text: research
// notes (tagged, searchable, optionally linked to a chapter and a source)
// and the project's bibliography of citations, exportable as BibTeX and
// CSL-JSON.
//
// Tables: research_notes, citations. It reads no other module's tables:
// project roles come through ProjectAccess, and whether a chapter exists
// through ChapterLookup. Routes live under /api/v1/projects/{project_id}/notes
// and /api/v1/projects/{project_id}/citations.
package research

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/research/internal/store"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// Roles, lowest to highest, as the projects module names them.
const (
	RoleViewer    = "viewer"
	RoleCommenter = "commenter"
	RoleEditor    = "editor"
	RoleOwner     = "owner"
)

// ProjectAccess is what research needs from the projects module;
// *projects.Access satisfies it.
type ProjectAccess interface {
	// Require returns the caller's role in the project when it is at least
	// min. A missing or trashed project, or a non-member, is apperr NotFound;
	// a member below min is apperr Forbidden.
	Require(ctx context.Context, userID, projectID uuid.UUID, min string) (role string, err error)
}

// ChapterLookup is what research needs from the chapters module;
// *chapters.Module satisfies it.
type ChapterLookup interface {
	// ChapterExists reports whether chapterID is a live chapter of projectID.
	ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error)
}

// Deps are the module's dependencies.
type Deps struct {
	// Log is unused, kept so every module's Deps has the same shape:
	// research logs nothing itself; its errors reach the access log.
	Log      *slog.Logger
	DB       *pgxpool.Pool
	Projects ProjectAccess
	Chapters ChapterLookup
	// Cursors signs pagination cursors; shared by every module.
	Cursors *page.Codec
}

// Module is the research module.
type Module struct {
	pool     *pgxpool.Pool
	q        *store.Queries
	projects ProjectAccess
	chapters ChapterLookup
	cursors  *page.Codec
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{pool: d.DB, q: store.New(d.DB), projects: d.Projects, chapters: d.Chapters, cursors: d.Cursors}
}

// Name implements module.Module.
func (m *Module) Name() string { return "research" }

// Routes implements module.Module. Full paths (no Mount) let the routes
// share the /projects prefix with the other modules.
func (m *Module) Routes(r chi.Router) {
	const notes = "/projects/{project_id}/notes"
	const note = notes + "/{note_id}"
	const cites = "/projects/{project_id}/citations"
	const cite = cites + "/{citation_id}"
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.Get(notes, httpx.Handle(m.handleListNotes))
		r.Post(notes, httpx.Handle(m.handleCreateNote))
		r.Get(note, httpx.Handle(m.handleGetNote))
		r.Put(note, httpx.Handle(m.handlePutNote))
		r.Patch(note, httpx.Handle(m.handlePatchNote))
		r.Delete(note, httpx.Handle(m.handleDeleteNote))
		r.Post(note+"/restore", httpx.Handle(m.handleRestoreNote))

		r.Get(cites, httpx.Handle(m.handleListCitations))
		r.Post(cites, httpx.Handle(m.handleCreateCitation))
		r.Get(cites+"/export", httpx.Handle(m.handleExportCitations))
		r.Get(cite, httpx.Handle(m.handleGetCitation))
		r.Put(cite, httpx.Handle(m.handlePutCitation))
		r.Patch(cite, httpx.Handle(m.handlePatchCitation))
		r.Delete(cite, httpx.Handle(m.handleDeleteCitation))
		r.Post(cite+"/restore", httpx.Handle(m.handleRestoreCitation))
	})
}

// access resolves the project in the path and checks the caller's role.
func (m *Module) access(r *http.Request, min string) (uuid.UUID, error) {
	projectID, err := httpx.PathUUID(r, "project_id")
	if err != nil {
		return uuid.Nil, err
	}
	ctx := r.Context()
	_, err = m.projects.Require(ctx, authn.UserID(ctx), projectID, min)
	return projectID, err
}
