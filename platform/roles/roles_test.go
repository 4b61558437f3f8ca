package roles_test

import (
	"testing"

	"github.com/thebrain/thebrain/platform/roles"
)

func TestAtLeast(t *testing.T) {
	t.Parallel()
	for i, r := range roles.All {
		if !r.Valid() {
			t.Errorf("%s is not valid", r)
		}
		for j, min := range roles.All {
			if got, want := r.AtLeast(min), i >= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", r, min, got, want)
			}
		}
	}
	for _, bad := range []roles.Role{"", "Owner", "admin"} {
		if bad.Valid() || bad.AtLeast(roles.Viewer) {
			t.Errorf("%q is treated as a role", bad)
		}
	}
}
