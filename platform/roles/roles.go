// Package roles is the one definition of the roles a user can hold in a
// project and of their order. Every module and the tests use these
// constants, so a misspelt role is a compile error, not a run-time 500.
package roles

// Role is a user's standing in a project. Its string form is what the API
// and the database carry.
type Role string

// The roles, lowest to highest: each grants everything the ones before it do.
const (
	Viewer    Role = "viewer"
	Commenter Role = "commenter"
	Editor    Role = "editor"
	Owner     Role = "owner"
)

// All lists the roles, lowest first.
var All = []Role{Viewer, Commenter, Editor, Owner}

func (r Role) rank() int {
	for i, x := range All {
		if x == r {
			return i + 1
		}
	}
	return 0 // unknown: below every role
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r grants everything min does. An unknown role
// grants nothing.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// String is the role's name.
func (r Role) String() string { return string(r) }
