package projects

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// errNoSuchAccount answers an email that cannot be added, whether no account
// has it or the account is disabled: only the owner gets this far, and it
// says no more than that the email cannot be used.
var errNoSuchAccount = &apperr.Error{
	Kind: apperr.NotFound, Detail: "no account with this email can be added",
	Fields: map[string]string{"email": "no account with this email can be added"},
}

var errMemberNotFound = apperr.New(apperr.NotFound, "member not found")

// errOwnerOnly answers a member change by someone other than the owner that
// got past the route's check (the route lets only the owner through).
var errOwnerOnly = apperr.New(apperr.Forbidden, "only the owner can manage members")

func newMember(userID uuid.UUID, role string, addedBy *uuid.UUID, added, updated time.Time, prof authn.UserProfile) member {
	return member{UserID: userID, Role: roles.Role(role), AddedBy: addedBy, AddedAt: added, UpdatedAt: updated, Profile: prof}
}

// ListMembers pages through the book's people, the owner first, then members
// in the order they were added.
func (s *service) ListMembers(ctx context.Context, g access.Grant, pr page.Request) (page.Page[member], error) {
	scope := "members:" + g.ProjectID.String()
	after := timeKey{T: beginningOfTime, ID: uuid.Nil}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &after); err != nil {
			return page.Page[member]{}, err
		}
	}
	rows, err := s.q.ListMembersByProject(ctx, store.ListMembersByProjectParams{
		ProjectID: g.ProjectID, AfterCreatedAt: after.T, AfterUserID: after.ID, Lim: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[member]{}, fmt.Errorf("list members: %w", err)
	}
	ids := make([]uuid.UUID, 0, len(rows))
	for i := 0; i < len(rows) && i < pr.Limit; i++ {
		ids = append(ids, rows[i].UserID)
	}
	profiles, err := s.profiles(ctx, ids)
	if err != nil {
		return page.Page[member]{}, err
	}
	return page.Build(s.cursors, scope, rows, pr.Limit,
		func(r store.ListMembersByProjectRow) member {
			return newMember(r.UserID, r.Role, r.AddedBy, r.CreatedAt, r.UpdatedAt, profiles[r.UserID])
		},
		func(r store.ListMembersByProjectRow) any { return timeKey{T: r.CreatedAt, ID: r.UserID} },
	), nil
}

// AddMember gives the account with email a role in the book. The route lets
// only the owner through, before the email is looked up, so nobody else can
// use it to learn which emails have accounts.
func (s *service) AddMember(ctx context.Context, g access.Grant, email string, role roles.Role) (member, error) {
	if s.users == nil {
		return member{}, apperr.New(apperr.Unavailable, "adding members is not available right now")
	}
	if err := s.adds.allow(ctx, g.UserID); err != nil {
		return member{}, err
	}
	prof, err := s.users.LookupEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return member{}, errNoSuchAccount
		}
		return member{}, fmt.Errorf("look up email: %w", err)
	}
	var mem store.ProjectMember
	err = db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// The membership lock serialises member changes of the book (and
		// every write's re-check waits for it), so the count below stays
		// true until the insert commits.
		q, cur, err := lockMembership(ctx, tx, g, false)
		if err != nil {
			return err
		}
		if cur.Role != string(roles.Owner) {
			return errOwnerOnly
		}
		if prof.ID == cur.OwnerID {
			return apperr.New(apperr.Conflict, "the owner already has every permission and cannot be added as a member")
		}
		n, err := q.CountMembersByProject(ctx, g.ProjectID)
		if err != nil {
			return fmt.Errorf("count members: %w", err)
		}
		if n >= MaxMembersPerProject {
			return apperr.Newf(apperr.Conflict, "a project can have at most %d members besides its owner", MaxMembersPerProject)
		}
		mem, err = q.CreateMember(ctx, store.CreateMemberParams{ProjectID: g.ProjectID, UserID: prof.ID, Role: string(role), AddedBy: &g.UserID})
		if db.IsUniqueViolation(err, "project_members_pkey") {
			return apperr.New(apperr.Conflict, "this account is already a member of the project")
		}
		if err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
		return nil
	})
	if err != nil {
		return member{}, err
	}
	return newMember(mem.UserID, mem.Role, mem.AddedBy, mem.CreatedAt, mem.UpdatedAt, prof), nil
}

// UpdateMember gives memberID another role; owner only.
func (s *service) UpdateMember(ctx context.Context, g access.Grant, memberID uuid.UUID, role roles.Role) (member, error) {
	var mem store.ProjectMember
	err := db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		q, cur, err := lockMembership(ctx, tx, g, false)
		if err != nil {
			return err
		}
		if cur.Role != string(roles.Owner) {
			return errOwnerOnly
		}
		if memberID == cur.OwnerID {
			return apperr.New(apperr.Conflict, "the owner's role cannot be changed")
		}
		mem, err = q.UpdateMemberRole(ctx, store.UpdateMemberRoleParams{Role: string(role), ProjectID: g.ProjectID, UserID: memberID})
		if db.IsNoRows(err) {
			return errMemberNotFound
		}
		if err != nil {
			return fmt.Errorf("update member: %w", err)
		}
		return nil
	})
	if err != nil {
		return member{}, err
	}
	profiles, err := s.profiles(ctx, []uuid.UUID{memberID})
	if err != nil {
		return member{}, err
	}
	return newMember(mem.UserID, mem.Role, mem.AddedBy, mem.CreatedAt, mem.UpdatedAt, profiles[memberID]), nil
}

// RemoveMember takes memberID off the book: the owner may remove anyone
// else, and any member may remove themselves (leave).
func (s *service) RemoveMember(ctx context.Context, g access.Grant, memberID uuid.UUID) error {
	return db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		q, cur, err := lockMembership(ctx, tx, g, false)
		if err != nil {
			return err
		}
		owner := cur.Role == string(roles.Owner)
		switch {
		case memberID == cur.OwnerID && g.UserID == cur.OwnerID:
			return apperr.New(apperr.Conflict, "the owner cannot leave the project; delete it instead")
		case memberID != g.UserID && !owner:
			return apperr.New(apperr.Forbidden, "only the owner can remove other members")
		case memberID == cur.OwnerID:
			return apperr.New(apperr.Conflict, "the owner cannot be removed")
		}
		n, err := q.DeleteMember(ctx, store.DeleteMemberParams{ProjectID: g.ProjectID, UserID: memberID})
		if err != nil {
			return fmt.Errorf("delete member: %w", err)
		}
		if n == 0 {
			return errMemberNotFound
		}
		return nil
	})
}
