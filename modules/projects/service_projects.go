package projects

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// projectFields are a book's editable fields, validated.
type projectFields struct {
	Title           string
	Description     string
	Genre           string
	TargetWordCount *int32
}

// projectChange is a validated change of a book's editable fields: a nil
// field is kept as it is; TargetWordCount replaces the current target when
// SetTarget is set (nil clearing it).
type projectChange struct {
	Title, Description, Genre *string
	SetTarget                 bool
	TargetWordCount           *int32
}

// apply returns f with the change made.
func (c projectChange) apply(f projectFields) projectFields {
	if c.Title != nil {
		f.Title = *c.Title
	}
	if c.Description != nil {
		f.Description = *c.Description
	}
	if c.Genre != nil {
		f.Genre = *c.Genre
	}
	if c.SetTarget {
		f.TargetWordCount = c.TargetWordCount
	}
	return f
}

// Book returns the project as userID sees it, with their role and the word
// total, in one query; access.ErrNotFound when it is missing, in the trash
// or not shared with them.
func (s *service) Book(ctx context.Context, userID, projectID uuid.UUID) (book, error) {
	row, err := s.q.GetProjectForMember(ctx, store.GetProjectForMemberParams{UserID: userID, ID: projectID})
	if err != nil {
		if db.IsNoRows(err) {
			return book{}, access.ErrNotFound
		}
		return book{}, fmt.Errorf("get project: %w", err)
	}
	// The two queries select the same columns: one mapping serves both.
	return bookOfMemberRow(store.ListProjectsForUserRow(row)), nil
}

// RestoreRole is userID's role in a book they may want to restore: as Role
// answers for a live book, but a book in the trash exists only for its
// owner (members neither restore it nor learn it exists).
func (s *service) RestoreRole(ctx context.Context, userID, projectID uuid.UUID) (roles.Role, error) {
	row, err := s.q.GetProjectRoleWithTrash(ctx, store.GetProjectRoleWithTrashParams{UserID: userID, ID: projectID})
	if err != nil {
		if db.IsNoRows(err) {
			return "", access.ErrNotFound
		}
		return "", fmt.Errorf("get project role: %w", err)
	}
	role := roles.Role(row.Role)
	if row.InTrash && role != roles.Owner {
		return "", access.ErrNotFound
	}
	return role, nil
}

// ListProjects pages through the books userID owns or is a member of, most
// recently updated first.
func (s *service) ListProjects(ctx context.Context, userID uuid.UUID, pr page.Request) (page.Page[book], error) {
	scope := "projects:" + userID.String()
	before := timeKey{T: endOfTime, ID: maxUUID}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &before); err != nil {
			return page.Page[book]{}, err
		}
	}
	rows, err := s.q.ListProjectsForUser(ctx, store.ListProjectsForUserParams{
		UserID: userID, BeforeUpdatedAt: before.T, BeforeID: before.ID, Lim: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[book]{}, fmt.Errorf("list projects: %w", err)
	}
	return page.Build(s.cursors, scope, rows, pr.Limit, bookOfMemberRow,
		func(r store.ListProjectsForUserRow) any { return timeKey{T: r.UpdatedAt, ID: r.ID} },
	), nil
}

// CreateProject adds a book owned by userID.
func (s *service) CreateProject(ctx context.Context, userID uuid.UUID, f projectFields) (book, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return book{}, fmt.Errorf("new project id: %w", err)
	}
	var p store.Project
	err = db.InTx(ctx, s.db, func(tx pgx.Tx) error {
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
		return book{}, err
	}
	return book{Project: p, Role: roles.Owner}, nil
}

// UpdateProject makes change to the book's editable fields when the caller
// is still at least an editor and want holds for the current version.
func (s *service) UpdateProject(ctx context.Context, g access.Grant, want expect.Version, change projectChange) (book, error) {
	var b book
	err := db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := s.guard.Confirm(ctx, tx, g, roles.Editor); err != nil {
			return err
		}
		q := store.New(tx)
		cur, err := lockProject(ctx, q, g.UserID, g.ProjectID, false)
		if err != nil {
			return err
		}
		// The role again, as the locked row has it: after Confirm it is the
		// same answer, and the write never rests on a check made on another
		// connection alone.
		role := roles.Role(cur.Role)
		if !role.AtLeast(roles.Editor) {
			return access.Forbidden(roles.Editor)
		}
		if err := want.Check(cur.Version); err != nil {
			return err
		}
		f := change.apply(projectFields{Title: cur.Title, Description: cur.Description, Genre: cur.Genre, TargetWordCount: cur.TargetWordCount})
		p, err := q.UpdateProject(ctx, store.UpdateProjectParams{
			ID: g.ProjectID, Title: f.Title, Description: f.Description, Genre: f.Genre, TargetWordCount: f.TargetWordCount,
		})
		if err != nil {
			return fmt.Errorf("update project: %w", err)
		}
		b = book{Project: p, Role: role, Words: cur.WordCount}
		return nil
	})
	return b, err
}

// TrashProject moves the book to the trash; only its owner may. It changes
// who may act on the book (nobody, for now), so it takes the membership
// lock first.
func (s *service) TrashProject(ctx context.Context, g access.Grant, want expect.Version) error {
	return db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		q, cur, err := lockMembership(ctx, tx, g, false)
		if err != nil {
			return err
		}
		if cur.Role != string(roles.Owner) {
			return apperr.New(apperr.Forbidden, "only the owner can delete a project")
		}
		if err := want.Check(cur.Version); err != nil {
			return err
		}
		if err := q.TrashProject(ctx, g.ProjectID); err != nil {
			return fmt.Errorf("trash project: %w", err)
		}
		return nil
	})
}

// RestoreProject takes the book out of the trash within TrashRetention.
// For anyone but the owner a trashed book does not exist. Like the trash it
// changes who may act on the book, so it takes the membership lock first.
func (s *service) RestoreProject(ctx context.Context, g access.Grant) (book, error) {
	var b book
	err := db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		q, cur, err := lockMembership(ctx, tx, g, true)
		if err != nil {
			return err
		}
		owner := cur.Role == string(roles.Owner)
		switch {
		case cur.DeletedAt == nil && !owner:
			return apperr.New(apperr.Forbidden, "only the owner can restore a project")
		case cur.DeletedAt == nil:
			return apperr.New(apperr.Conflict, "the project is not in the trash")
		case !owner:
			return access.ErrNotFound
		}
		p, err := q.RestoreProject(ctx, store.RestoreProjectParams{ID: g.ProjectID, RetentionSecs: retentionSecs})
		if db.IsNoRows(err) {
			// Past retention the project is only waiting for the purge.
			return access.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("restore project: %w", err)
		}
		b = book{Project: p, Role: roles.Owner, Words: cur.WordCount}
		return nil
	})
	return b, err
}

// ListTrash pages through userID's restorable trash, newest deletion first.
func (s *service) ListTrash(ctx context.Context, userID uuid.UUID, pr page.Request) (page.Page[book], error) {
	scope := "trash:" + userID.String()
	before := timeKey{T: endOfTime, ID: maxUUID}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &before); err != nil {
			return page.Page[book]{}, err
		}
	}
	rows, err := s.q.ListTrashByOwner(ctx, store.ListTrashByOwnerParams{
		OwnerID: userID, RetentionSecs: retentionSecs, BeforeDeletedAt: before.T, BeforeID: before.ID, Lim: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[book]{}, fmt.Errorf("list trash: %w", err)
	}
	return page.Build(s.cursors, scope, rows, pr.Limit,
		func(r store.ListTrashByOwnerRow) book {
			return book{Project: r.Project, Role: roles.Owner, Words: r.WordCount}
		},
		// DeletedAt is never nil: the query selects the trash.
		func(r store.ListTrashByOwnerRow) any { return timeKey{T: *r.Project.DeletedAt, ID: r.Project.ID} },
	), nil
}
