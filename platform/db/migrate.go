package db

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/thebrain/thebrain/db/migrations"
)

// Migrator applies the embedded migrations to one database (or, with a
// search_path in the URL, one schema).
type Migrator struct {
	m *migrate.Migrate
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
	return &Migrator{m: m}, nil
}

// Up applies every pending migration. It is a no-op when there is none.
func (mg *Migrator) Up() error {
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// Down rolls back n migrations (n >= 1).
func (mg *Migrator) Down(n int) error {
	if n < 1 {
		return errors.New("down needs a positive number of steps")
	}
	if err := mg.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
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
