package chapters

import (
	"context"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/authn"
)

// UserNames shows who wrote a version or a comment; *auth.Module satisfies
// it. Optional: without it responses carry author ids only.
type UserNames interface {
	// Profiles returns the live users among ids (missing ones are absent
	// from the map), in one query.
	Profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error)
}

// authorNames looks up the names of the distinct non-nil ids in one call.
// A failed lookup is logged and answered without names: names are a
// courtesy, the ids are the record.
func (m *Module) authorNames(ctx context.Context, ids ...*uuid.UUID) map[uuid.UUID]string {
	if m.users == nil {
		return nil
	}
	seen := map[uuid.UUID]bool{}
	var want []uuid.UUID
	for _, id := range ids {
		if id != nil && !seen[*id] {
			seen[*id] = true
			want = append(want, *id)
		}
	}
	if len(want) == 0 {
		return nil
	}
	profiles, err := m.users.Profiles(ctx, want)
	if err != nil {
		m.log.WarnContext(ctx, "author names unavailable", "error", err.Error())
		return nil
	}
	out := make(map[uuid.UUID]string, len(profiles))
	for id, p := range profiles {
		out[id] = p.FullName
	}
	return out
}

// nameOf returns the name of id in names, or nil.
func nameOf(names map[uuid.UUID]string, id *uuid.UUID) *string {
	if id == nil {
		return nil
	}
	if n, ok := names[*id]; ok {
		return &n
	}
	return nil
}
