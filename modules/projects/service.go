package projects

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
)

// timeKey is the keyset cursor of the time-ordered lists.
type timeKey struct {
	T  time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// The first page of a newest-first list starts before every real row.
var (
	endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	maxUUID   = uuid.Max
)

var retentionSecs = TrashRetention.Seconds()

// getProject returns the project as the caller sees it, with the caller's
// role and the word count, in one query.
func (m *Module) getProject(ctx context.Context, userID, id uuid.UUID) (projectResponse, error) {
	row, err := m.q.GetProjectForMember(ctx, store.GetProjectForMemberParams{UserID: userID, ID: id})
	if err != nil {
		if db.IsNoRows(err) {
			return projectResponse{}, errProjectNotFound
		}
		return projectResponse{}, fmt.Errorf("get project: %w", err)
	}
	// The two queries select the same columns: one mapping serves both.
	return memberRowResponse(store.ListProjectsForUserRow(row)), nil
}

// memberRowResponse maps a project read for a member (with role and word
// count).
func memberRowResponse(r store.ListProjectsForUserRow) projectResponse {
	return projectResponse{
		ID: r.ID, Title: r.Title, Description: r.Description, Genre: r.Genre,
		TargetWordCount: r.TargetWordCount, WordCount: r.WordCount, Role: r.Role, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func toProjectResponse(p store.Project, role string, words int64) projectResponse {
	return projectResponse{
		ID: p.ID, Title: p.Title, Description: p.Description, Genre: p.Genre,
		TargetWordCount: p.TargetWordCount, WordCount: words, Role: role, Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// listProjects pages through the books the caller owns or is a member of.
func (m *Module) listProjects(ctx context.Context, userID uuid.UUID, pr page.Request) (page.Page[projectResponse], error) {
	scope := "projects:" + userID.String()
	before := timeKey{T: endOfTime, ID: maxUUID}
	if pr.Cursor != "" {
		if err := m.pages.Decode(scope, pr.Cursor, &before); err != nil {
			return page.Page[projectResponse]{}, err
		}
	}
	rows, err := m.q.ListProjectsForUser(ctx, store.ListProjectsForUserParams{
		UserID: userID, BeforeUpdatedAt: before.T, BeforeID: before.ID, Lim: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[projectResponse]{}, fmt.Errorf("list projects: %w", err)
	}
	return page.Build(m.pages, scope, rows, pr.Limit, memberRowResponse,
		func(r store.ListProjectsForUserRow) any { return timeKey{T: r.UpdatedAt, ID: r.ID} },
	), nil
}

// createProject adds a book owned by the caller.
func (m *Module) createProject(ctx context.Context, userID uuid.UUID, f projectFields) (projectResponse, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return projectResponse{}, fmt.Errorf("new project id: %w", err)
	}
	var p store.Project
	err = db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := q.LockOwnerProjects(ctx, userID); err != nil {
			return fmt.Errorf("lock owner projects: %w", err)
		}
		n, err := q.CountProjectsByOwner(ctx, userID)
		if err != nil {
			return fmt.Errorf("count projects: %w", err)
		}
		if n >= MaxProjectsPerOwner {
			return apperr.Newf(apperr.Conflict, "you already own %d projects (the trash included), the most allowed; purge or delete some first", MaxProjectsPerOwner)
		}
		p, err = q.CreateProject(ctx, store.CreateProjectParams{
			ID: id, OwnerID: userID, Title: f.Title, Description: f.Description,
			Genre: f.Genre, TargetWordCount: f.TargetWordCount,
		})
		if err != nil {
			return fmt.Errorf("insert project: %w", err)
		}
		return nil
	})
	if err != nil {
		return projectResponse{}, err
	}
	return toProjectResponse(p, RoleOwner, 0), nil
}

// lockProject locks the project row for a write and returns it with the
// caller's role. Trashed projects count as missing unless withTrash is set.
func lockProject(ctx context.Context, q *store.Queries, userID, id uuid.UUID, withTrash bool) (store.LockProjectForMemberRow, error) {
	row, err := q.LockProjectForMember(ctx, store.LockProjectForMemberParams{UserID: userID, ID: id})
	if err != nil {
		if db.IsNoRows(err) {
			return row, errProjectNotFound
		}
		return row, fmt.Errorf("lock project: %w", err)
	}
	if row.DeletedAt != nil && !withTrash {
		return row, errProjectNotFound
	}
	return row, nil
}

// updateProject applies change to the project's editable fields when the
// caller is at least an editor and pre holds for the current version.
func (m *Module) updateProject(ctx context.Context, userID, id uuid.UUID, pre expect.Version, change func(projectFields) projectFields) (projectResponse, error) {
	var p store.Project
	var role string
	var words int64
	err := db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		cur, err := lockProject(ctx, q, userID, id, false)
		if err != nil {
			return err
		}
		role, words = cur.Role, cur.WordCount
		if !atLeast(role, RoleEditor) {
			return forbidden(RoleEditor)
		}
		if err := pre.Check(cur.Version); err != nil {
			return err
		}
		f := change(projectFields{Title: cur.Title, Description: cur.Description, Genre: cur.Genre, TargetWordCount: cur.TargetWordCount})
		p, err = q.UpdateProject(ctx, store.UpdateProjectParams{
			ID: id, Title: f.Title, Description: f.Description, Genre: f.Genre, TargetWordCount: f.TargetWordCount,
		})
		if err != nil {
			return fmt.Errorf("update project: %w", err)
		}
		return nil
	})
	if err != nil {
		return projectResponse{}, err
	}
	return toProjectResponse(p, role, words), nil
}

// trashProject moves the project to the trash; only its owner may.
func (m *Module) trashProject(ctx context.Context, userID, id uuid.UUID, pre expect.Version) error {
	return db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		cur, err := lockProject(ctx, q, userID, id, false)
		if err != nil {
			return err
		}
		if cur.Role != RoleOwner {
			return apperr.New(apperr.Forbidden, "only the owner can delete a project")
		}
		if err := pre.Check(cur.Version); err != nil {
			return err
		}
		if err := q.TrashProject(ctx, id); err != nil {
			return fmt.Errorf("trash project: %w", err)
		}
		return nil
	})
}

// restoreProject takes the project out of the trash within TrashRetention.
// For anyone but the owner a trashed project does not exist.
func (m *Module) restoreProject(ctx context.Context, userID, id uuid.UUID) (projectResponse, error) {
	var p store.Project
	var words int64
	err := db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		cur, err := lockProject(ctx, q, userID, id, true)
		if err != nil {
			return err
		}
		switch {
		case cur.DeletedAt == nil && cur.Role != RoleOwner:
			return apperr.New(apperr.Forbidden, "only the owner can restore a project")
		case cur.DeletedAt == nil:
			return apperr.New(apperr.Conflict, "the project is not in the trash")
		case cur.Role != RoleOwner:
			return errProjectNotFound
		}
		words = cur.WordCount
		p, err = q.RestoreProject(ctx, store.RestoreProjectParams{ID: id, RetentionSecs: retentionSecs})
		if db.IsNoRows(err) {
			// Past retention the project is only waiting for the purge.
			return errProjectNotFound
		}
		if err != nil {
			return fmt.Errorf("restore project: %w", err)
		}
		return nil
	})
	if err != nil {
		return projectResponse{}, err
	}
	return toProjectResponse(p, RoleOwner, words), nil
}

// listTrash pages through the caller's restorable trash, newest first.
func (m *Module) listTrash(ctx context.Context, userID uuid.UUID, pr page.Request) (page.Page[trashedProjectResponse], error) {
	scope := "trash:" + userID.String()
	before := timeKey{T: endOfTime, ID: maxUUID}
	if pr.Cursor != "" {
		if err := m.pages.Decode(scope, pr.Cursor, &before); err != nil {
			return page.Page[trashedProjectResponse]{}, err
		}
	}
	rows, err := m.q.ListTrashByOwner(ctx, store.ListTrashByOwnerParams{
		OwnerID: userID, RetentionSecs: retentionSecs, BeforeDeletedAt: before.T, BeforeID: before.ID, Lim: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[trashedProjectResponse]{}, fmt.Errorf("list trash: %w", err)
	}
	return page.Build(m.pages, scope, rows, pr.Limit,
		func(r store.ListTrashByOwnerRow) trashedProjectResponse {
			deleted := r.Project.DeletedAt.UTC() // never nil: the query selects the trash
			return trashedProjectResponse{
				projectResponse: toProjectResponse(r.Project, RoleOwner, r.WordCount),
				DeletedAt:       deleted,
				PurgeAfter:      deleted.Add(TrashRetention),
			}
		},
		func(r store.ListTrashByOwnerRow) any { return timeKey{T: *r.Project.DeletedAt, ID: r.Project.ID} },
	), nil
}

// PurgeTrash deletes, for good, every project that has been in the trash for
// longer than olderThan (use TrashRetention), with its chapters, versions,
// comments, notes and citations (ON DELETE CASCADE). It works in batches and
// returns how many projects it deleted. It is safe to run from several
// processes at once; `thebrain purge` runs it.
func PurgeTrash(ctx context.Context, pool *pgxpool.Pool, olderThan time.Duration) (int64, error) {
	q := store.New(pool)
	return db.PurgeInBatches(ctx, olderThan, func(ctx context.Context, secs float64, batch int32) (int64, error) {
		return q.PurgeTrashedProjects(ctx, store.PurgeTrashedProjectsParams{RetentionSecs: secs, Batch: batch})
	})
}
