// Package db opens the PostgreSQL pool and holds the helpers every module
// uses with it: transactions, error classification and migrations.
package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"
)

// Options tune the pool.
type Options struct {
	MaxConns int32
	// AcquireTimeout bounds the wait for a pooled connection; past it the
	// query fails as Unavailable (503). Zero means DefaultAcquireTimeout,
	// negative means no bound but the caller's context.
	AcquireTimeout time.Duration
	// ApplicationName shows up in pg_stat_activity.
	ApplicationName string
	// Lazy opens the pool without connecting: the first query connects.
	// For a second pool on a database another pool has just reached (a
	// Lambda cold start then makes one connection, not two).
	Lazy bool
	// Credentials, when set, supply the user and password of every new
	// connection instead of the URL's, and are told when the server
	// refuses them (a rotated secret).
	Credentials Credentials
}

// Credentials supply the user and password of new connections when they
// can change while the process runs (secrets.DatabaseCredentials).
type Credentials interface {
	Current() (user, password string)
	// Refused is told that the server refused the current ones (28P01).
	// It fetches them anew and reports whether they changed, that is
	// whether connecting again is worth it.
	Refused(ctx context.Context) bool
}

// IsAuthFailure reports the server refusing the password (28P01).
func IsAuthFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "28P01"
}

// DefaultAcquireTimeout is Options.AcquireTimeout's default.
const DefaultAcquireTimeout = 5 * time.Second

// defaultConnectTimeout bounds one connection attempt when the URL sets no
// connect_timeout (pgxpool would wait two minutes for a server that does
// not answer).
const defaultConnectTimeout = 5 * time.Second

// Open connects a pool to url and checks it answers within a short time, so
// a wrong URL fails at start with a clear message.
//
// While the database is unreachable the pool fails fast instead of dialling
// for every request: a breaker pauses connection attempts after a failure
// and lets one probe through per pause (see breaker), and waiting for a
// connection is bounded by AcquireTimeout. Either way the error is an
// Unavailable apperr, as is every outage error from a query (IsUnavailable).
func Open(ctx context.Context, url string, o Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if o.AcquireTimeout == 0 {
		o.AcquireTimeout = DefaultAcquireTimeout
	}
	cfg.ConnConfig.Tracer = newAcquireTracer(o.AcquireTimeout)
	brk := newBreaker()
	cfg.BeforeConnect = brk.beforeConnect
	if creds := o.Credentials; creds != nil {
		cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
			if err := brk.beforeConnect(ctx, cc); err != nil {
				return err
			}
			cc.User, cc.Password = creds.Current()
			if t, ok := cc.Tracer.(attemptTracer); ok {
				t.creds = creds // a refusal re-reads them for the next attempt
				cc.Tracer = t
			}
			return nil
		}
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
	name := o.ApplicationName
	if name == "" {
		name = "thebrain"
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = name
	// google/uuid values would otherwise go through their string form
	// (driver.Valuer): binary encoding is ~20x cheaper per parameter.
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		pgxuuid.Register(conn.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	if o.Lazy {
		return pool, nil
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = pool.Ping(pingCtx)
	if err != nil && o.Credentials != nil && IsAuthFailure(err) {
		// Refused: the attempt's tracer has re-read the credentials (the
		// secret was rotated between its fetch and now). Once more.
		err = pool.Ping(pingCtx)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", redactedHost(cfg), err)
	}
	return pool, nil
}

func redactedHost(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

// Beginner is what InTx needs: a pool or a connection.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise (also on panic).
func InTx(ctx context.Context, b Beginner, fn func(tx pgx.Tx) error) (err error) {
	tx, err := b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// PostgreSQL error codes we branch on.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// IsNoRows reports whether err means a query returned no row.
func IsNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

func pgCode(err error) (*pgconn.PgError, bool) {
	var pe *pgconn.PgError
	ok := errors.As(err, &pe)
	return pe, ok
}

// IsUniqueViolation reports a unique violation, of constraint (an index
// name) when it is not empty.
func IsUniqueViolation(err error, constraint string) bool {
	pe, ok := pgCode(err)
	return ok && pe.Code == codeUniqueViolation && (constraint == "" || pe.ConstraintName == constraint)
}

// IsForeignKeyViolation reports a row that names a row that is gone (a
// write racing the delete of what it belongs to).
func IsForeignKeyViolation(err error) bool {
	pe, ok := pgCode(err)
	return ok && pe.Code == codeForeignKeyViolation
}
