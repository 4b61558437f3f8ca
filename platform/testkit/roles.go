package testkit

import (
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/platform/roles"
)

// Caller is one identity a role matrix runs as. Role "" is a signed-in user
// who is not a member; an empty Token is an anonymous caller.
type Caller struct {
	Name  string
	Role  roles.Role
	Token string
}

// RoleCase is one endpoint run as every caller of a matrix.
type RoleCase struct {
	Name string
	// Least is the least role the endpoint admits.
	Least roles.Role
	// Request builds the call for one caller. It runs once per caller, so a
	// case that changes state can make a fresh resource each time.
	Request func(t *testing.T, c Caller) Request
	// OK is the status of callers whose role is at least Least.
	OK int
	// Check, when set, looks at each OK answer (compare bodies with
	// cmp.Diff).
	Check func(t *testing.T, c Caller, resp *Response)
}

// RunRoleMatrix runs every case as every caller, in subtests
// "<case>/<caller>": a caller at or above Least gets OK; a member below it
// 403 forbidden; a signed-in non-member 404 not-found (a project's
// existence never leaks); an anonymous caller 401.
func RunRoleMatrix(t *testing.T, c *Client, callers []Caller, cases []RoleCase) {
	t.Helper()
	for _, rc := range cases {
		if !rc.Least.Valid() {
			t.Fatalf("case %q: Least %q is not a role", rc.Name, rc.Least)
		}
		t.Run(rc.Name, func(t *testing.T) {
			for _, who := range callers {
				t.Run(who.Name, func(t *testing.T) {
					req := rc.Request(t, who)
					req.Token = who.Token
					resp := c.For(t).Do(req)
					switch {
					case who.Token == "":
						WantProblem(t, resp, http.StatusUnauthorized, "unauthenticated")
					case who.Role == "":
						WantProblem(t, resp, http.StatusNotFound, "not-found")
					case !who.Role.AtLeast(rc.Least):
						WantProblem(t, resp, http.StatusForbidden, "forbidden")
					default:
						WantStatus(t, resp, rc.OK)
						if rc.Check != nil {
							rc.Check(t, who, resp)
						}
					}
				})
			}
		})
	}
}
