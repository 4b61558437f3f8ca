package projects

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/roles"
)

// addMemberRequest is the body of POST /projects/{id}/members.
type addMemberRequest struct {
	Email *string `json:"email"`
	Role  *string `json:"role"`
}

func (req *addMemberRequest) Validate() error {
	p := map[string]string{}
	switch {
	case req.Email == nil || strings.TrimSpace(*req.Email) == "":
		p["email"] = "is required"
	case utf8.RuneCountInString(*req.Email) > MaxEmailLen:
		p["email"] = "must be at most " + strconv.Itoa(MaxEmailLen) + " characters"
	case strings.ContainsFunc(*req.Email, unicode.IsControl):
		p["email"] = "must not contain control characters"
	}
	checkMemberRole(p, req.Role)
	return apperr.Validation(p)
}

// updateMemberRequest is the body of PATCH /projects/{id}/members/{user_id}.
type updateMemberRequest struct {
	Role *string `json:"role"`
}

func (req *updateMemberRequest) Validate() error {
	p := map[string]string{}
	checkMemberRole(p, req.Role)
	return apperr.Validation(p)
}

// checkMemberRole admits the roles a member can hold: every role but owner,
// spelt exactly.
func checkMemberRole(p map[string]string, role *string) {
	switch {
	case role == nil:
		p["role"] = "is required"
	case roles.Role(*role) == roles.Owner:
		p["role"] = "a project has exactly one owner; members are editor, commenter or viewer"
	case !roles.Role(*role).Valid():
		p["role"] = "must be one of editor, commenter, viewer"
	}
}

// memberResponse is one entry of a project's member list. Email and name are
// empty for an account that has since been disabled or deleted.
type memberResponse struct {
	UserID    uuid.UUID  `json:"user_id"`
	Email     string     `json:"email"`
	FullName  string     `json:"full_name"`
	Role      string     `json:"role"`
	AddedBy   *uuid.UUID `json:"added_by"`
	AddedAt   time.Time  `json:"added_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func toMemberResponse(m member) memberResponse {
	return memberResponse{
		UserID: m.UserID, Email: m.Profile.Email, FullName: m.Profile.FullName, Role: string(m.Role),
		AddedBy: m.AddedBy, AddedAt: m.AddedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}
