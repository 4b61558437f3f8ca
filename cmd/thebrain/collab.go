package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/memtrim"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/server"
)

// serveCollab runs `thebrain collab`: the collaboration server alone (the
// /collab/{chapter_id} WebSocket endpoint, with /healthz and /readyz for the
// load balancer) on THEBRAIN_COLLAB_ADDR, as many instances as needed, until
// SIGTERM; then it closes its sockets with "going away" (clients reconnect
// to another instance) and writes everything to PostgreSQL within the
// shutdown timeout. It never migrates.
func serveCollab(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	start := time.Now()
	logger.InfoContext(ctx, "starting", slog.String("mode", "collab"), slog.String("version", buildVersion()), slog.Any("config", cfg))
	if cfg.DatabaseURL == "" || cfg.RedisURL == "" {
		// Instances share documents through Redis and PostgreSQL: an
		// embedded backend per process would split them.
		return errSharedBackends("collab")
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
	// The in-process denylist: open sockets are checked against it every
	// few seconds without a round trip.
	fctx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	a.follow(fctx)
	h := server.NewHandler(server.Options{
		Logger: logger, Version: buildVersion(),
		Modules:  []module.Module{a.collab},
		Verifier: a.auth.Verifier(), CORSOrigins: cfg.CORSOrigins, MaxBodyBytes: cfg.MaxBodyBytes,
		RequestTimeout: cfg.RequestTimeout, HSTS: cfg.Env == "production",
		Checks: map[string]server.Check{
			"database": func(ctx context.Context) error { return b.pool.Ping(ctx) },
			"redis":    func(ctx context.Context) error { return b.redis.Ping(ctx).Err() },
			"collab":   a.collab.Ready,
		},
	})
	// A long-running mode that runs a small part of the binary's code:
	// the pages only start-up touched go back to the kernel.
	if n, err := memtrim.ReleaseCode(); err != nil {
		logger.WarnContext(ctx, "start-up code pages not released", slog.String("error", err.Error()))
	} else {
		logger.DebugContext(ctx, "start-up code pages released", slog.Int("bytes", n))
	}
	ln, err := net.Listen("tcp", cfg.CollabAddr)
	if err != nil {
		return fmt.Errorf("THEBRAIN_COLLAB_ADDR: %w", err)
	}
	logger.InfoContext(ctx, "listening", slog.String("addr", ln.Addr().String()), slog.Duration("startup", time.Since(start)))
	ran := make(chan error, 1)
	go func() { ran <- a.collab.Run(ctx) }()
	err = serveHTTP(ctx, ln, h, cfg, logger)
	return errors.Join(err, <-ran)
}
