package projects

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/projects/internal/store"
	"github.com/thebrain/thebrain/platform/db"
)

// explainDB stands in for the pool under store.Queries: it EXPLAINs each
// statement with its real arguments and answers with no rows, so tests see
// the plan of exactly the SQL the module runs.
type explainDB struct {
	pool *pgxpool.Pool
	plan *string
	err  *error
}

func (d explainDB) explain(ctx context.Context, sql string, args []any) {
	rows, err := d.pool.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		*d.err = err
		return
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			*d.err = err
			return
		}
		b.WriteString(line + "\n")
	}
	*d.plan, *d.err = b.String(), rows.Err()
}

func (d explainDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	d.explain(ctx, sql, args)
	return pgconn.CommandTag{}, nil
}

func (d explainDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	d.explain(ctx, sql, args)
	return d.pool.Query(ctx, "SELECT WHERE false")
}

func (d explainDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	d.explain(ctx, sql, args)
	return d.pool.QueryRow(ctx, "SELECT WHERE false")
}

// ExplainQueries returns the plans of the module's main reads for userID
// and projectID, by name.
func ExplainQueries(ctx context.Context, pool *pgxpool.Pool, userID, projectID uuid.UUID) (map[string]string, error) {
	var plan string
	var err error
	q := store.New(explainDB{pool: pool, plan: &plan, err: &err})
	plans := map[string]string{}
	steps := []struct {
		name string
		run  func()
	}{
		{"projects list", func() {
			_, _ = q.ListProjectsForUser(ctx, store.ListProjectsForUserParams{UserID: userID, BeforeUpdatedAt: endOfTime, BeforeID: maxUUID, Lim: 51})
		}},
		{"trash list", func() {
			_, _ = q.ListTrashByOwner(ctx, store.ListTrashByOwnerParams{OwnerID: userID, RetentionSecs: retentionSecs, BeforeDeletedAt: endOfTime, BeforeID: maxUUID, Lim: 51})
		}},
		{"members list", func() {
			_, _ = q.ListMembersByProject(ctx, store.ListMembersByProjectParams{ProjectID: projectID, AfterCreatedAt: beginningOfTime, AfterUserID: uuid.Nil, Lim: 51})
		}},
		{"get project", func() {
			_, _ = q.GetProjectForMember(ctx, store.GetProjectForMemberParams{UserID: userID, ID: projectID})
		}},
		{"access check", func() {
			_, _ = q.GetProjectRole(ctx, store.GetProjectRoleParams{UserID: userID, ID: projectID})
		}},
		{"restore check", func() {
			_, _ = q.GetProjectRoleWithTrash(ctx, store.GetProjectRoleWithTrashParams{UserID: userID, ID: projectID})
		}},
		{"count owned projects", func() {
			_, _ = q.CountProjectsByOwner(ctx, userID)
		}},
		{"count members", func() {
			_, _ = q.CountMembersByProject(ctx, projectID)
		}},
		{"purge", func() {
			_, _ = q.PurgeTrashedProjects(ctx, store.PurgeTrashedProjectsParams{RetentionSecs: retentionSecs, Batch: db.PurgeBatch})
		}},
	}
	for _, s := range steps {
		plan, err = "", nil
		s.run()
		if err != nil {
			return nil, err
		}
		plans[s.name] = plan
	}
	return plans, nil
}

// LockBook takes, in tx, the row lock project writes and member changes
// take (lockProject), as userID.
func LockBook(ctx context.Context, tx pgx.Tx, userID, projectID uuid.UUID) error {
	_, err := lockProject(ctx, store.New(tx), userID, projectID, false)
	return err
}
