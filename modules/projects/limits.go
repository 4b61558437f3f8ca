package projects

import "github.com/thebrain/thebrain/platform/db"

// Limits, documented in docs/limits.md and docs/openapi.yaml.
const (
	MaxTitleLen          = 200
	MaxDescriptionLen    = 5000
	MaxGenreLen          = 100
	MaxTargetWordCount   = 10_000_000
	MaxEmailLen          = 320
	MaxProjectsPerOwner  = 1000 // live and trashed together
	MaxMembersPerProject = 50   // besides the owner
	// DefaultMemberAddsPerHour is generous for building a team and slow for
	// anyone trying emails to learn which have accounts.
	DefaultMemberAddsPerHour = 30
	// TrashRetention is how long a deleted project can be restored; PurgeTrash
	// removes it for good after that.
	TrashRetention = db.TrashRetention
	// maxBody caps project and member request bodies: the largest valid one
	// (a 5,000-character description, 4 bytes a character at worst) is ~21 KB.
	maxBody = 64 << 10
)
