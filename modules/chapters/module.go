// Package chapters owns a book's text: chapters and their order, the
// version history of each chapter, and the comment threads on it.
//
// Tables: chapters, versions, comments, chapter_word_totals. Every write
// that changes how many live words a book holds moves the book's total in
// chapter_word_totals in the same transaction; other modules read it
// through the view book_word_totals, which this module publishes.
//
// Routes live under /api/v1/projects/{project_id}/chapters; each declares
// the least role it needs and access.Guard checks it (the projects module
// answers who holds which role). It asks the auth module for authors'
// names (UserNames) and offers ChapterExists (exports.go), with which
// research checks a note's chapter. A chapter edited collaboratively
// follows its document (SaveFromDocument, called by the collaboration
// server), and content writes reach the document through LiveDocuments.
package chapters

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// UserNames shows who wrote a version or a comment; *auth.Module satisfies
// it. Optional: without it responses carry author ids only.
type UserNames interface {
	// Profiles returns the live users among ids (missing ones are absent
	// from the map), in one query.
	Profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error)
}

// LiveDocuments is the collaboration server's side of a chapter's text;
// *collab.Module satisfies it. While a chapter has a collaborative document
// the document is the truth: a REST write of the content (a save, a version
// restore, an accepted AI result) reaches it through Apply, after the
// write's transaction committed.
type LiveDocuments interface {
	// Apply edits the chapter's document, if it has one, from base (the
	// content the write replaced) to markdown, as a Y.js update committed
	// like an editor's: what the editors typed meanwhile is kept. Without
	// a document it does nothing (the content seeds a future one).
	Apply(ctx context.Context, chapterID uuid.UUID, base, markdown string) error
}

// Deps are the module's dependencies.
type Deps struct {
	// Log receives the failed author-name lookups (answered without names).
	Log *slog.Logger
	DB  *pgxpool.Pool
	// Guard checks the caller's role in the project of the path, and again
	// inside every write's transaction.
	Guard *access.Guard
	// Cursors signs pagination cursors; shared by every module.
	Cursors *page.Codec
	// Users, when set, adds author names to versions and comments.
	Users UserNames
	// Documents, when set, receives the content writes of chapters that
	// have a collaborative document (SetDocuments sets it after New, since
	// the collaboration server is built after this module).
	Documents LiveDocuments
}

// Module is the chapters module.
type Module struct {
	svc   *service
	guard *access.Guard
}

// New builds the module.
func New(d Deps) *Module {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc := &service{
		log: log, pool: d.DB, q: store.New(d.DB), guard: d.Guard, cursors: d.Cursors, users: d.Users,
		now: time.Now, docs: d.Documents,
	}
	return &Module{svc: svc, guard: d.Guard}
}

// SetDocuments wires the collaboration server in (it is built after this
// module and asks it for chapters).
func (m *Module) SetDocuments(d LiveDocuments) { m.svc.docs = d }

// Name implements module.Module.
func (m *Module) Name() string { return "chapters" }

// JobKinds implements module.JobProvider: the daily purge of the trash.
func (m *Module) JobKinds() []module.JobKind { return []module.JobKind{purgeJob(m.svc.pool)} }

// Routes implements module.Module: each route with the least role it needs.
// Routes are registered with their full path (no Mount), so they share the
// /projects prefix with the projects module without either shadowing the
// other.
func (m *Module) Routes(r chi.Router) {
	const (
		chapters = "/projects/{project_id}/chapters"
		chapter  = chapters + "/{chapter_id}"
		versions = chapter + "/versions"
		version  = versions + "/{version_id}"
		comments = chapter + "/comments"
		comment  = comments + "/{comment_id}"
	)
	viewer := m.guard.Require(roles.Viewer)
	commenter := m.guard.Require(roles.Commenter)
	editor := m.guard.Require(roles.Editor)
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)

		r.With(viewer).Get(chapters, httpx.Handle(m.handleListChapters))
		r.With(editor).Post(chapters, httpx.Handle(m.handleCreateChapter))
		r.With(editor).Post(chapters+"/reorder", httpx.Handle(m.handleReorderChapters))
		r.With(viewer).Get(chapter, httpx.Handle(m.handleGetChapter))
		r.With(editor).Put(chapter, httpx.Handle(m.handlePutChapter))
		r.With(editor).Patch(chapter, httpx.Handle(m.handlePatchChapter))
		r.With(editor).Delete(chapter, httpx.Handle(m.handleDeleteChapter))
		r.With(editor).Post(chapter+"/restore", httpx.Handle(m.handleRestoreChapter))

		r.With(viewer).Get(versions, httpx.Handle(m.handleListVersions))
		r.With(editor).Post(versions, httpx.Handle(m.handleCreateVersion))
		r.With(viewer).Get(version, httpx.Handle(m.handleGetVersion))
		r.With(editor).Post(version+"/restore", httpx.Handle(m.handleRestoreVersion))

		r.With(viewer).Get(comments, httpx.Handle(m.handleListComments))
		r.With(commenter).Post(comments, httpx.Handle(m.handleCreateComment))
		r.With(viewer).Get(comment, httpx.Handle(m.handleGetComment))
		// Only the author edits a comment; its author or the project's
		// owner deletes it (decided by the service from the grant).
		r.With(commenter).Patch(comment, httpx.Handle(m.handlePatchComment))
		r.With(commenter).Delete(comment, httpx.Handle(m.handleDeleteComment))
		r.With(commenter).Post(comment+"/resolve", httpx.Handle(m.handleResolveComment))
		r.With(commenter).Post(comment+"/unresolve", httpx.Handle(m.handleUnresolveComment))
	})
}
