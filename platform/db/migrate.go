package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/thebrain/thebrain/db/migrations"
)

// Migrator applies the embedded migrations to one database (or, with a
// search_path in the URL, one schema).
type Migrator struct {
	m   *migrate.Migrate
	url string
}

// NewMigrator opens a migrator for the PostgreSQL URL dbURL. golang-migrate
// takes a PostgreSQL advisory lock, so concurrent runs wait for each other.
func NewMigrator(dbURL string) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("open embedded migrations: %w", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	u.Scheme = "pgx5"
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return nil, fmt.Errorf("connect migrator: %w", err)
	}
	return &Migrator{m: m, url: dbURL}, nil
}

// Up applies every pending migration: ours, then River's (the tables of
// the PostgreSQL job queue, which River versions itself in
// river_migration). It is a no-op when there is none.
func (mg *Migrator) Up() error {
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return migrateRiver(mg.url, rivermigrate.DirectionUp, nil)
}

// migrateRiver applies River's migrations in direction, in the schema dbURL's
// search_path names first (as ours go).
func migrateRiver(dbURL string, direction rivermigrate.Direction, opts *rivermigrate.MigrateOpts) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect for River's migrations: %w", err)
	}
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, direction, opts); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Down rolls back n of our migrations (n >= 1); rolled back to nothing, it
// removes River's tables as well.
func (mg *Migrator) Down(n int) error {
	if n < 1 {
		return errors.New("down needs a positive number of steps")
	}
	if err := mg.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	// Down to nothing takes the job queue's tables too.
	if v, _, err := mg.Version(); err != nil || v != 0 {
		return err
	}
	return migrateRiver(mg.url, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
}

// Version reports the current version and whether the last run left the
// schema dirty. Version 0 means nothing is applied.
func (mg *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Force sets the version without running anything, to recover from a
// failed migration after fixing it by hand.
func (mg *Migrator) Force(version int) error { return mg.m.Force(version) }

// Close releases the migrator's connections.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Latest returns the newest embedded migration version.
func Latest() (uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0, err
	}
	defer src.Close()
	v, err := src.First()
	if err != nil {
		return 0, err
	}
	for {
		next, err := src.Next(v)
		if err != nil {
			return v, nil
		}
		v = next
	}
}
