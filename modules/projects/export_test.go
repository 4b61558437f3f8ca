package projects

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/testkit"
)

// CaptureQueries returns the statements of the module's main reads for
// userID and projectID, by name, as the generated queries would send them.
func CaptureQueries(ctx context.Context, userID, projectID uuid.UUID) map[string]testkit.SQLCapture {
	out := map[string]testkit.SQLCapture{}
	for name, run := range map[string]func(q *store.Queries){
		"projects list": func(q *store.Queries) {
			_, _ = q.ListProjectsForUser(ctx, store.ListProjectsForUserParams{UserID: userID, BeforeUpdatedAt: endOfTime, BeforeID: maxUUID, Lim: 51})
		},
		"trash list": func(q *store.Queries) {
			_, _ = q.ListTrashByOwner(ctx, store.ListTrashByOwnerParams{OwnerID: userID, RetentionSecs: retentionSecs, BeforeDeletedAt: endOfTime, BeforeID: maxUUID, Lim: 51})
		},
		"members list": func(q *store.Queries) {
			_, _ = q.ListMembersByProject(ctx, store.ListMembersByProjectParams{ProjectID: projectID, AfterCreatedAt: beginningOfTime, AfterUserID: uuid.Nil, Lim: 51})
		},
		"get project": func(q *store.Queries) {
			_, _ = q.GetProjectForMember(ctx, store.GetProjectForMemberParams{UserID: userID, ID: projectID})
		},
		"access check": func(q *store.Queries) {
			_, _ = q.GetProjectRole(ctx, store.GetProjectRoleParams{UserID: userID, ID: projectID})
		},
		"restore check": func(q *store.Queries) {
			_, _ = q.GetProjectRoleWithTrash(ctx, store.GetProjectRoleWithTrashParams{UserID: userID, ID: projectID})
		},
		"count owned projects": func(q *store.Queries) { _, _ = q.CountProjectsByOwner(ctx, userID) },
		"count members":        func(q *store.Queries) { _, _ = q.CountMembersByProject(ctx, projectID) },
		"purge": func(q *store.Queries) {
			_, _ = q.PurgeTrashedProjects(ctx, store.PurgeTrashedProjectsParams{RetentionSecs: retentionSecs, Batch: db.PurgeBatch})
		},
	} {
		var c testkit.SQLCapture
		run(store.New(&c))
		out[name] = c
	}
	return out
}

// LockBook takes, in tx, the row lock project writes and member changes
// take (lockProject), as userID.
func LockBook(ctx context.Context, tx pgx.Tx, userID, projectID uuid.UUID) error {
	_, err := lockProject(ctx, store.New(tx), userID, projectID, false)
	return err
}
