package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/modules/research"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/db"
)

// purge runs `thebrain purge`: it deletes, for good, everything that has
// been in a trash for longer than db.TrashRetention (30 days). It is meant for a daily
// schedule (cron, an ECS scheduled task); it works in batches and is safe to
// run from several places at once.
func purge(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer) error {
	// Each PurgeTrash touches only its module's tables, so purge opens the
	// database alone and skips wire (Redis, key files, auth).
	b, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	// Projects last: purging a project takes its remaining chapters and
	// notes with it, which would hide them from the other counts.
	for _, step := range []struct {
		name  string
		purge func(context.Context, *pgxpool.Pool, time.Duration) (int64, error)
	}{
		{"chapters", chapters.PurgeTrash},
		{"research", research.PurgeTrash},
		{"projects", projects.PurgeTrash},
	} {
		n, err := step.purge(ctx, b.pool, db.TrashRetention)
		if err != nil {
			return fmt.Errorf("purge %s: %w", step.name, err)
		}
		logger.InfoContext(ctx, "purged trash", slog.String("module", step.name), slog.Int64("rows", n))
		fmt.Fprintf(stdout, "%s: %d purged\n", step.name, n)
	}
	// Last, the files of everything purged above, and uploads never
	// confirmed.
	secret, err := secretKey(cfg)
	if err != nil {
		return err
	}
	blobs, _, err := newBlobStore(ctx, cfg, logger, secret)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	n, err := research.PurgeUploads(ctx, b.pool, blobs)
	if err != nil {
		return fmt.Errorf("purge research files: %w", err)
	}
	logger.InfoContext(ctx, "purged files", slog.String("module", "research"), slog.Int64("objects", n))
	fmt.Fprintf(stdout, "research files: %d purged\n", n)
	return nil
}
