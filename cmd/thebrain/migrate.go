package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/db"
)

// migrateCmd runs `thebrain migrate up|down N|version|force V`.
func migrateCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"migrate needs a command: up, down N, version or force V"}
	}
	cmd, rest := args[0], args[1:]
	wantArgs := map[string]int{"up": 0, "down": 1, "version": 0, "force": 1}
	n, known := wantArgs[cmd]
	if !known {
		return usageError{fmt.Sprintf("unknown migrate command %q (up, down N, version, force V)", cmd)}
	}
	if len(rest) != n {
		return usageError{fmt.Sprintf("migrate %s takes %d argument(s), got %d", cmd, n, len(rest))}
	}
	var num int
	if n == 1 {
		v, err := strconv.Atoi(rest[0])
		if err != nil || v < 0 || (cmd == "down" && v == 0) {
			return usageError{fmt.Sprintf("migrate %s needs a positive number, got %q", cmd, rest[0])}
		}
		num = v
	}

	b := &backends{}
	defer b.Close()
	if err := b.openDatabaseURL(ctx, cfg, logger); err != nil {
		return err
	}
	mg, err := db.NewMigrator(b.dbURL)
	if err != nil {
		return fmt.Errorf("THEBRAIN_DATABASE_URL: %w", err)
	}
	defer mg.Close()

	switch cmd {
	case "up":
		return migrateUpWith(ctx, mg, logger)
	case "down":
		if err := mg.Down(num); err != nil {
			return fmt.Errorf("migrate down %d: %w", num, err)
		}
	case "force":
		if err := mg.Force(num); err != nil {
			return fmt.Errorf("migrate force %d: %w", num, err)
		}
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return fmt.Errorf("read migration version: %w", err)
	}
	latest, _ := db.Latest()
	fmt.Fprintf(stdout, "version %d (latest %d)%s\n", v, latest, map[bool]string{true: " dirty: fix the failed migration, then run migrate force", false: ""}[dirty])
	return nil
}

// migrateUp applies pending migrations to dbURL; serve uses it on start.
func migrateUp(ctx context.Context, dbURL string, logger *slog.Logger) error {
	mg, err := db.NewMigrator(dbURL)
	if err != nil {
		return fmt.Errorf("THEBRAIN_DATABASE_URL: %w", err)
	}
	defer mg.Close()
	return migrateUpWith(ctx, mg, logger)
}

func migrateUpWith(ctx context.Context, mg *db.Migrator, logger *slog.Logger) error {
	start := time.Now()
	before, dirty, err := mg.Version()
	if err != nil {
		return fmt.Errorf("read migration version: %w", err)
	}
	if dirty {
		return fmt.Errorf("the database is marked dirty at migration %d: a migration failed half-way; fix it by hand, then run 'thebrain migrate force %d'", before, before)
	}
	if err := mg.Up(); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	after, _, err := mg.Version()
	if err != nil {
		return fmt.Errorf("read migration version: %w", err)
	}
	logger.InfoContext(ctx, "migrations applied", slog.Uint64("from", uint64(before)), slog.Uint64("to", uint64(after)), slog.Duration("took", time.Since(start)))
	return nil
}
