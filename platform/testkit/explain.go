package testkit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLCapture stands in for the pool under a module's sqlc store.Queries: it
// records the statement and arguments a generated query would send, and
// sends nothing. Explain then shows the plan of exactly that SQL.
type SQLCapture struct {
	SQL  string
	Args []any
}

var errCaptured = errors.New("testkit: statement captured, not sent")

// Exec records the statement.
func (c *SQLCapture) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.SQL, c.Args = sql, args
	return pgconn.CommandTag{}, errCaptured
}

// Query records the statement.
func (c *SQLCapture) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.SQL, c.Args = sql, args
	return nil, errCaptured
}

// QueryRow records the statement.
func (c *SQLCapture) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	c.SQL, c.Args = sql, args
	return capturedRow{}
}

type capturedRow struct{}

func (capturedRow) Scan(...any) error { return errCaptured }

// Explain returns PostgreSQL's plan for the captured statement. With
// indexOnly the planner may not use sequential scans, which shows whether
// an index can serve the query at all on a small test table.
func Explain(t testing.TB, pool *pgxpool.Pool, c SQLCapture, indexOnly bool) string {
	t.Helper()
	if c.SQL == "" {
		t.Fatal("testkit: Explain: nothing captured")
	}
	ctx := context.Background()
	var lines []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if indexOnly {
			if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+c.SQL, c.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				return err
			}
			lines = append(lines, l)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("testkit: explain: %v", err)
	}
	return strings.Join(lines, "\n")
}
