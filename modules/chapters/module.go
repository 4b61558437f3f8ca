// Package chapters owns a book's text: chapters and their order, the
// version history of each chapter, and the comment threads on it.
//
// Tables: chapters, versions, comments, chapter_word_totals (published as
// the view book_word_totals). It never reads the projects tables;
// whether a caller may see or change a project is asked through
// ProjectAccess. Routes live under /api/v1/projects/{project_id}/chapters.
// Every write that changes how many live words a book holds moves the
// book's total (chapter_word_totals) in the same transaction; other modules
// read it through the published view book_word_totals. Other modules get ChapterExists from it (research
// notes link to a chapter).
package chapters

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
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

// ProjectAccess is everything chapters needs from the projects module;
// *projects.Access satisfies it.
type ProjectAccess interface {
	// Require returns the caller's role in the project when it is at least
	// min. A missing or trashed project, or a non-member, is apperr NotFound;
	// a member below min is apperr Forbidden.
	Require(ctx context.Context, userID, projectID uuid.UUID, min string) (role string, err error)
}

// Deps are the module's dependencies.
type Deps struct {
	Log      *slog.Logger
	DB       *pgxpool.Pool
	Projects ProjectAccess
	// Cursors signs pagination cursors; shared by every module.
	Cursors *page.Codec
	// Users, when set, adds author names to versions and comments.
	Users UserNames
	// SnapshotInterval overrides the default SnapshotInterval (tests).
	SnapshotInterval time.Duration
}

// Module is the chapters module.
type Module struct {
	log      *slog.Logger
	pool     *pgxpool.Pool
	q        *store.Queries
	projects ProjectAccess
	cursors  *page.Codec
	users    UserNames

	snapshotInterval time.Duration
}

// New builds the module.
func New(d Deps) *Module {
	iv := d.SnapshotInterval
	if iv == 0 {
		iv = SnapshotInterval
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Module{log: log, pool: d.DB, q: store.New(d.DB), projects: d.Projects, cursors: d.Cursors, users: d.Users, snapshotInterval: iv}
}

// Name implements module.Module.
func (m *Module) Name() string { return "chapters" }

// Routes implements module.Module. Routes are registered with their full
// path (no Mount), so they share the /projects prefix with the projects
// module without either shadowing the other.
func (m *Module) Routes(r chi.Router) {
	const ch = "/projects/{project_id}/chapters"
	const one = ch + "/{chapter_id}"
	r.Group(func(r chi.Router) {
		r.Use(authn.Require)
		r.Get(ch, httpx.Handle(m.handleListChapters))
		r.Post(ch, httpx.Handle(m.handleCreateChapter))
		r.Post(ch+"/reorder", httpx.Handle(m.handleReorderChapters))
		r.Get(one, httpx.Handle(m.handleGetChapter))
		r.Put(one, httpx.Handle(m.handlePutChapter))
		r.Patch(one, httpx.Handle(m.handlePatchChapter))
		r.Delete(one, httpx.Handle(m.handleDeleteChapter))
		r.Post(one+"/restore", httpx.Handle(m.handleRestoreChapter))

		r.Get(one+"/versions", httpx.Handle(m.handleListVersions))
		r.Post(one+"/versions", httpx.Handle(m.handleCreateVersion))
		r.Get(one+"/versions/{version_id}", httpx.Handle(m.handleGetVersion))
		r.Post(one+"/versions/{version_id}/restore", httpx.Handle(m.handleRestoreVersion))

		r.Get(one+"/comments", httpx.Handle(m.handleListComments))
		r.Post(one+"/comments", httpx.Handle(m.handleCreateComment))
		r.Get(one+"/comments/{comment_id}", httpx.Handle(m.handleGetComment))
		r.Patch(one+"/comments/{comment_id}", httpx.Handle(m.handlePatchComment))
		r.Delete(one+"/comments/{comment_id}", httpx.Handle(m.handleDeleteComment))
		r.Post(one+"/comments/{comment_id}/resolve", httpx.Handle(m.handleResolveComment))
		r.Post(one+"/comments/{comment_id}/unresolve", httpx.Handle(m.handleUnresolveComment))
	})
}

// ChapterExists reports whether chapterID is a live chapter of projectID.
// The research module calls it before linking a note to a chapter.
func (m *Module) ChapterExists(ctx context.Context, projectID, chapterID uuid.UUID) (bool, error) {
	ok, err := m.q.ChapterExists(ctx, store.ChapterExistsParams{ID: chapterID, ProjectID: projectID})
	if err != nil {
		return false, fmt.Errorf("chapter exists: %w", err)
	}
	return ok, nil
}

// addWords keeps the book's word total (chapter_word_totals) in step with a
// chapter write, inside that write's transaction tx.
func (m *Module) addWords(ctx context.Context, tx pgx.Tx, projectID uuid.UUID, delta int64) error {
	if delta == 0 {
		return nil
	}
	if err := store.New(tx).AddBookWords(ctx, store.AddBookWordsParams{ProjectID: projectID, Delta: delta}); err != nil {
		return fmt.Errorf("add book words: %w", err)
	}
	return nil
}
