package projects

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// service holds the business rules of books and their members. It takes
// plain values (grants, ids, expected versions, validated changes), returns
// store rows or the small domain values below, and opens every transaction.
// It reads the time from the database's clock only (deleted_at, the
// restore window), so it needs no clock of its own.
type service struct {
	db *pgxpool.Pool
	q  *store.Queries
	// guard asks the module's own Checker (on its own pool): Confirm in the
	// writes a member below the owner can make.
	guard   *access.Guard
	users   UserDirectory
	adds    *addLimiter
	cursors *page.Codec
}

// book is a project as one caller sees it: the row, their role and the
// book's word total (of its live chapters).
type book struct {
	store.Project
	Role  roles.Role
	Words int64
}

// member is one person of a book, with their account's email and name
// (empty when the account has since been disabled or deleted, or when no
// directory answers).
type member struct {
	UserID    uuid.UUID
	Role      roles.Role
	AddedBy   *uuid.UUID
	AddedAt   time.Time
	UpdatedAt time.Time
	Profile   authn.UserProfile
}

func bookOfMemberRow(r store.ListProjectsForUserRow) book {
	return book{
		Project: store.Project{
			ID: r.ID, OwnerID: r.OwnerID, Title: r.Title, Description: r.Description, Genre: r.Genre,
			TargetWordCount: r.TargetWordCount, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		},
		Role: roles.Role(r.Role), Words: r.WordCount,
	}
}

// lockProject locks the project row for a write and returns it with the
// caller's role. Trashed projects count as missing unless withTrash is set.
// Call it after any membership lock (access.LockMembers, Guard.Confirm):
// that order is the one every module keeps.
func lockProject(ctx context.Context, q *store.Queries, userID, id uuid.UUID, withTrash bool) (store.LockProjectForMemberRow, error) {
	row, err := q.LockProjectForMember(ctx, store.LockProjectForMemberParams{UserID: userID, ID: id})
	if err != nil {
		if db.IsNoRows(err) {
			return row, access.ErrNotFound
		}
		return row, fmt.Errorf("lock project: %w", err)
	}
	if row.DeletedAt != nil && !withTrash {
		return row, access.ErrNotFound
	}
	return row, nil
}

// lockMembership starts, in tx, a change of who may act on the book g names
// (a member added, changed or removed; the book trashed or restored): the
// membership lock exclusively, so that no write confirms its role until
// the change commits (access.Guard.Confirm), and then the project row with
// the caller's role.
func lockMembership(ctx context.Context, tx pgx.Tx, g access.Grant, withTrash bool) (*store.Queries, store.LockProjectForMemberRow, error) {
	if err := access.LockMembers(ctx, tx, g.ProjectID); err != nil {
		return nil, store.LockProjectForMemberRow{}, err
	}
	q := store.New(tx)
	cur, err := lockProject(ctx, q, g.UserID, g.ProjectID, withTrash)
	return q, cur, err
}

// timeKey is the keyset cursor of the time-ordered lists.
type timeKey struct {
	T  time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// The first page of a newest-first list starts before every real row, the
// first page of an oldest-first list after none.
var (
	endOfTime       = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	beginningOfTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxUUID         = uuid.Max
)

var retentionSecs = TrashRetention.Seconds()

// profiles returns the accounts among ids; none without a directory.
func (s *service) profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error) {
	if s.users == nil || len(ids) == 0 {
		return nil, nil
	}
	p, err := s.users.Profiles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("user profiles: %w", err)
	}
	return p, nil
}
