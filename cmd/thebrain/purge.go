package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/db"
)

// purger is a module that keeps a trash.
type purger interface {
	PurgeTrash(ctx context.Context, olderThan time.Duration) (int64, error)
}

// purge runs `thebrain purge`: it deletes, for good, everything that has
// been in a trash for longer than db.TrashRetention (30 days). It is meant for a daily
// schedule (cron, an ECS scheduled task); it works in batches and is safe to
// run from several places at once.
func purge(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer) error {
	b, err := openBackends(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	defer b.Close()
	a, err := wire(cfg, logger, b)
	if err != nil {
		return err
	}
	// Projects last: purging a project takes its remaining chapters and
	// notes with it, which would hide them from the other counts.
	for _, step := range []struct {
		name string
		p    purger
	}{{"chapters", a.chapters}, {"research", a.research}, {"projects", a.projects}} {
		n, err := step.p.PurgeTrash(ctx, db.TrashRetention)
		if err != nil {
			return fmt.Errorf("purge %s: %w", step.name, err)
		}
		logger.InfoContext(ctx, "purged trash", slog.String("module", step.name), slog.Int64("rows", n))
		fmt.Fprintf(stdout, "%s: %d purged\n", step.name, n)
	}
	return nil
}
