package ai

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/testkit"
)

func testkitPostgres(tb testing.TB) *pgxpool.Pool { return testkit.Postgres(tb) }

func testkitRedis(tb testing.TB) (*redis.Client, redis.Keys) { return testkit.Redis(tb) }

// benchBook is a user and their book.
func benchBook(tb testing.TB, pool *pgxpool.Pool) (user, project uuid.UUID) {
	u := authtest.User(tb, pool, "bench")
	return u.ID, projectstest.New(tb, pool).Create(tb, u.ID, "Bench")
}
