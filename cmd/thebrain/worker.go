package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/server"
)

// errSharedBackends refuses the modes that must share PostgreSQL and Redis
// with the API: an embedded backend per process would split revocations,
// rate limits and job records.
func errSharedBackends(mode string) error {
	return fmt.Errorf("%s needs the PostgreSQL and Redis the API uses: set THEBRAIN_DATABASE_URL and THEBRAIN_REDIS_URL (only serve starts embedded ones)", mode)
}

// work runs `thebrain worker`: jobs from the configured transport, with
// /healthz and /readyz on THEBRAIN_WORKER_ADDR for the orchestrator, until
// SIGTERM; then running jobs finish or are given back within the grace.
// It never migrates.
func work(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	start := time.Now()
	logger.InfoContext(ctx, "starting", slog.String("mode", "worker"), slog.String("version", buildVersion()), slog.Any("config", cfg))
	if cfg.DatabaseURL == "" || cfg.RedisURL == "" {
		return errSharedBackends("worker")
	}
	b, err := openBackends(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	defer b.Close()
	a, err := wire(cfg, logger, b)
	if err != nil {
		return err
	}
	health := server.NewHandler(server.Options{
		Logger: logger, Version: buildVersion(),
		Checks: map[string]server.Check{
			"database": func(ctx context.Context) error { return b.pool.Ping(ctx) },
			"redis":    func(ctx context.Context) error { return b.redis.Ping(ctx).Err() },
		},
	})
	ln, err := net.Listen("tcp", cfg.WorkerAddr)
	if err != nil {
		return fmt.Errorf("THEBRAIN_WORKER_ADDR: %w", err)
	}
	logger.InfoContext(ctx, "health endpoints listening", slog.String("addr", ln.Addr().String()), slog.Duration("startup", time.Since(start)))
	served := make(chan error, 1)
	go func() { served <- serveHTTP(ctx, ln, health, cfg, logger) }()
	err = a.jobs.Work(ctx)
	return errors.Join(err, <-served)
}
