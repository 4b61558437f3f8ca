// Package research owns what an author gathers beside the text: research
// notes (tagged, searchable, optionally linked to a chapter and a source)
// and the project's bibliography of citations, exportable as BibTeX and
// CSL-JSON.
//
// Notes carry attachments (images, PDFs of sources) whose bytes live in a
// blob store: a client declares a file, uploads it with the presigned PUT it
// gets back, and confirms it; the server checks the stored object's real
// size and type before anyone can read it through a short-lived presigned
// GET (docs/attachments.md).
//
// Tables: research_notes, citations, research_attachments and
// research_object_deletions (objects whose rows are gone, deleted by the
// purge). It reads no other module's tables:
// project roles come through the access Guard (the projects module is its
// Checker), and whether a chapter exists through ChapterLookup (the
// chapters module). It offers nothing to other modules but PurgeTrash and
// PurgeUploads, which the purge command runs. Routes live under
// /api/v1/projects/{project_id}/notes (attachments under
// .../notes/{note_id}/attachments) and
// /api/v1/projects/{project_id}/citations.
package research

import (
	"context"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// ChapterLookup is what research needs from the chapters module;
// *chapters.Module satisfies it.
type ChapterLookup interface {
	// ChapterExists reports whether chapterID is a live chapter of projectID.
	ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error)
}

// Deps are the module's dependencies. Research logs nothing itself (its
// errors reach the access log), so it takes no logger.
type Deps struct {
	DB *pgxpool.Pool
	// Guard checks project roles on the routes and again inside every write
	// transaction.
	Guard *access.Guard
	// Cursors signs pagination cursors; shared by every module.
	Cursors  *page.Codec
	Chapters ChapterLookup
	// Blobs holds the attachments' bytes.
	Blobs blob.Store
}

// Module is the research module.
type Module struct {
	svc   *service
	guard *access.Guard
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{svc: newService(d), guard: d.Guard}
}

// Name implements module.Module.
func (m *Module) Name() string { return "research" }

// JobKinds implements module.JobProvider: the daily purge of the trash.
func (m *Module) JobKinds() []module.JobKind {
	return []module.JobKind{purgeJob(m.svc.pool, m.svc.blobs)}
}

// Routes implements module.Module: each route with the least role it needs.
// Full paths (no Mount) let the routes share the /projects prefix with the
// other modules.
func (m *Module) Routes(r chi.Router) {
	const notes = "/projects/{project_id}/notes"
	const note = notes + "/{note_id}"
	const files = note + "/attachments"
	const file = files + "/{attachment_id}"
	const cites = "/projects/{project_id}/citations"
	const cite = cites + "/{citation_id}"
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		view := r.With(m.guard.Require(roles.Viewer))
		edit := r.With(m.guard.Require(roles.Editor))

		view.Get(notes, httpx.Handle(m.handleListNotes))
		edit.Post(notes, httpx.Handle(m.handleCreateNote))
		view.Get(note, httpx.Handle(m.handleGetNote))
		edit.Put(note, httpx.Handle(m.handlePutNote))
		edit.Patch(note, httpx.Handle(m.handlePatchNote))
		edit.Delete(note, httpx.Handle(m.handleDeleteNote))
		edit.Post(note+"/restore", httpx.Handle(m.handleRestoreNote))

		view.Get(files, httpx.Handle(m.handleListAttachments))
		edit.Post(files, httpx.Handle(m.handleCreateAttachment))
		view.Get(file, httpx.Handle(m.handleGetAttachment))
		edit.Delete(file, httpx.Handle(m.handleDeleteAttachment))
		edit.Post(file+"/confirm", httpx.Handle(m.handleConfirmAttachment))

		view.Get(cites, httpx.Handle(m.handleListCitations))
		edit.Post(cites, httpx.Handle(m.handleCreateCitation))
		view.Get(cites+"/export", httpx.Handle(m.handleExportCitations))
		view.Get(cite, httpx.Handle(m.handleGetCitation))
		edit.Put(cite, httpx.Handle(m.handlePutCitation))
		edit.Patch(cite, httpx.Handle(m.handlePatchCitation))
		edit.Delete(cite, httpx.Handle(m.handleDeleteCitation))
		edit.Post(cite+"/restore", httpx.Handle(m.handleRestoreCitation))
	})
}
