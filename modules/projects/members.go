package projects

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
)

// errNoSuchAccount answers an email that cannot be added, whether no account
// has it or the account is disabled: only the owner gets this far, and it
// says no more than that the email cannot be used.
var errNoSuchAccount = &apperr.Error{
	Kind: apperr.NotFound, Detail: "no account with this email can be added",
	Fields: map[string]string{"email": "no account with this email can be added"},
}

var errMemberNotFound = apperr.New(apperr.NotFound, "member not found")

// memberKey is the keyset cursor of the member list.
type memberKey struct {
	T  time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

var beginningOfTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// listMembers pages through a project's people, owner first, for any member.
func (m *Module) listMembers(ctx context.Context, userID, projectID uuid.UUID, pr page.Request) (page.Page[memberResponse], error) {
	if _, err := m.access.Require(ctx, userID, projectID, RoleViewer); err != nil {
		return page.Page[memberResponse]{}, err
	}
	scope := "members:" + projectID.String()
	after := memberKey{T: beginningOfTime, ID: uuid.Nil}
	if pr.Cursor != "" {
		if err := m.pages.Decode(scope, pr.Cursor, &after); err != nil {
			return page.Page[memberResponse]{}, err
		}
	}
	rows, err := m.q.ListMembersByProject(ctx, store.ListMembersByProjectParams{
		ProjectID: projectID, AfterCreatedAt: after.T, AfterUserID: after.ID, Lim: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[memberResponse]{}, fmt.Errorf("list members: %w", err)
	}
	ids := make([]uuid.UUID, 0, len(rows))
	for i := 0; i < len(rows) && i < pr.Limit; i++ {
		ids = append(ids, rows[i].UserID)
	}
	profiles, err := m.profiles(ctx, ids)
	if err != nil {
		return page.Page[memberResponse]{}, err
	}
	return page.Build(m.pages, scope, rows, pr.Limit,
		func(r store.ListMembersByProjectRow) memberResponse {
			return toMemberResponse(r.UserID, r.Role, r.AddedBy, r.CreatedAt, r.UpdatedAt, profiles[r.UserID])
		},
		func(r store.ListMembersByProjectRow) any { return memberKey{T: r.CreatedAt, ID: r.UserID} },
	), nil
}

func (m *Module) profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error) {
	if m.users == nil || len(ids) == 0 {
		return nil, nil
	}
	p, err := m.users.Profiles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("user profiles: %w", err)
	}
	return p, nil
}

func toMemberResponse(userID uuid.UUID, role string, addedBy *uuid.UUID, added, updated time.Time, prof authn.UserProfile) memberResponse {
	return memberResponse{
		UserID: userID, Email: prof.Email, FullName: prof.FullName, Role: role,
		AddedBy: addedBy, AddedAt: added.UTC(), UpdatedAt: updated.UTC(),
	}
}

// addMember gives the account with email a role in the project; owner only.
func (m *Module) addMember(ctx context.Context, userID, projectID uuid.UUID, email, role string) (memberResponse, error) {
	// The owner check comes before the lookup, so nobody else can use this
	// route to learn which emails have accounts.
	if _, err := m.access.Require(ctx, userID, projectID, RoleOwner); err != nil {
		return memberResponse{}, err
	}
	if m.users == nil {
		return memberResponse{}, apperr.New(apperr.Unavailable, "adding members is not available right now")
	}
	if err := m.adds.allow(ctx, userID); err != nil {
		return memberResponse{}, err
	}
	prof, err := m.users.LookupEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return memberResponse{}, errNoSuchAccount
		}
		return memberResponse{}, fmt.Errorf("look up email: %w", err)
	}
	var mem store.ProjectMember
	err = db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		// The row lock serialises member changes of one project, so the
		// count below stays true until the insert commits.
		cur, err := lockProject(ctx, q, userID, projectID, false)
		if err != nil {
			return err
		}
		if cur.Role != RoleOwner {
			return apperr.New(apperr.Forbidden, "only the owner can manage members")
		}
		if prof.ID == cur.OwnerID {
			return apperr.New(apperr.Conflict, "the owner already has every permission and cannot be added as a member")
		}
		n, err := q.CountMembersByProject(ctx, projectID)
		if err != nil {
			return fmt.Errorf("count members: %w", err)
		}
		if n >= MaxMembersPerProject {
			return apperr.Newf(apperr.Conflict, "a project can have at most %d members besides its owner", MaxMembersPerProject)
		}
		mem, err = q.CreateMember(ctx, store.CreateMemberParams{ProjectID: projectID, UserID: prof.ID, Role: role, AddedBy: &userID})
		if db.IsUniqueViolation(err, "project_members_pkey") {
			return apperr.New(apperr.Conflict, "this account is already a member of the project")
		}
		if err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
		return nil
	})
	if err != nil {
		return memberResponse{}, err
	}
	return toMemberResponse(mem.UserID, mem.Role, mem.AddedBy, mem.CreatedAt, mem.UpdatedAt, prof), nil
}

// updateMember changes a member's role; owner only.
func (m *Module) updateMember(ctx context.Context, userID, projectID, memberID uuid.UUID, role string) (memberResponse, error) {
	var mem store.ProjectMember
	err := db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		cur, err := lockProject(ctx, q, userID, projectID, false)
		if err != nil {
			return err
		}
		if cur.Role != RoleOwner {
			return apperr.New(apperr.Forbidden, "only the owner can manage members")
		}
		if memberID == cur.OwnerID {
			return apperr.New(apperr.Conflict, "the owner's role cannot be changed")
		}
		mem, err = q.UpdateMemberRole(ctx, store.UpdateMemberRoleParams{Role: role, ProjectID: projectID, UserID: memberID})
		if db.IsNoRows(err) {
			return errMemberNotFound
		}
		if err != nil {
			return fmt.Errorf("update member: %w", err)
		}
		return nil
	})
	if err != nil {
		return memberResponse{}, err
	}
	profiles, err := m.profiles(ctx, []uuid.UUID{memberID})
	if err != nil {
		return memberResponse{}, err
	}
	return toMemberResponse(mem.UserID, mem.Role, mem.AddedBy, mem.CreatedAt, mem.UpdatedAt, profiles[memberID]), nil
}

// removeMember takes memberID off the project: the owner may remove anyone
// else, and any member may remove themselves (leave).
func (m *Module) removeMember(ctx context.Context, userID, projectID, memberID uuid.UUID) error {
	return db.InTx(ctx, m.db, func(tx pgx.Tx) error {
		q := store.New(tx)
		cur, err := lockProject(ctx, q, userID, projectID, false)
		if err != nil {
			return err
		}
		switch {
		case memberID == cur.OwnerID && userID == cur.OwnerID:
			return apperr.New(apperr.Conflict, "the owner cannot leave the project; delete it instead")
		case memberID != userID && cur.Role != RoleOwner:
			return apperr.New(apperr.Forbidden, "only the owner can remove other members")
		case memberID == cur.OwnerID:
			return apperr.New(apperr.Conflict, "the owner cannot be removed")
		}
		n, err := q.DeleteMember(ctx, store.DeleteMemberParams{ProjectID: projectID, UserID: memberID})
		if err != nil {
			return fmt.Errorf("delete member: %w", err)
		}
		if n == 0 {
			return errMemberNotFound
		}
		return nil
	})
}
