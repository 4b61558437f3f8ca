package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/connlimit"
)

// serve runs the HTTP API until ctx is cancelled, then drains in-flight
// requests within the shutdown timeout and closes the backends.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	start := time.Now()
	logger.InfoContext(ctx, "starting", slog.String("mode", "serve"), slog.String("version", buildVersion()), slog.Any("config", cfg))
	b, err := openBackends(ctx, cfg, logger, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer b.Close() // after the server has drained: in-flight requests still use the pools

	h, a, err := newHandler(cfg, logger, b)
	if err != nil {
		return err
	}
	cfg.MaxConns = connCap(ctx, cfg, b, logger)
	fctx, stopFollowing := context.WithCancel(ctx)
	followed := a.follow(fctx)
	defer func() { stopFollowing(); followed() }() // before the backends close
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("THEBRAIN_HTTP_ADDR: %w", err)
	}
	logger.InfoContext(ctx, "listening", slog.String("addr", ln.Addr().String()), slog.Duration("startup", time.Since(start)))
	// One process for local work: serve runs jobs and answers /collab too.
	// On shutdown the worker and the collaboration server stop beside the
	// HTTP server's drain (the sockets close with "going away" and the rooms
	// are written to PostgreSQL), before the backends close.
	worked := make(chan error, 1)
	if cfg.JobsInServe {
		go func() { worked <- a.jobs.Work(ctx) }()
	} else {
		worked <- nil
	}
	collabDone := make(chan error, 1)
	go func() { collabDone <- a.collab.Run(ctx) }()
	err = serveHTTP(ctx, ln, h, cfg, logger)
	return errors.Join(err, <-worked, <-collabDone)
}

// connCap resolves THEBRAIN_MAX_CONNS: the configured cap, or one derived
// from the file limit that leaves room for the database pool, the Redis pool
// (twice with the in-process Redis, which holds the other ends too) and
// connlimit.ReserveFiles more. It logs the file limit and the outcome; 0
// means no cap (no file limit and none configured).
func connCap(ctx context.Context, cfg config.Config, b *backends, logger *slog.Logger) int64 {
	files, limited := connlimit.FileLimit()
	redisPool := b.redis.Options().PoolSize
	if b.embedded != nil {
		redisPool *= 2
	}
	reserved := int(cfg.DatabaseMaxConns) + redisPool + connlimit.ReserveFiles
	attrs := []slog.Attr{slog.Int("reserved_files", reserved)}
	if limited {
		attrs = append(attrs, slog.Uint64("file_limit", files))
	} else {
		attrs = append(attrs, slog.String("file_limit", "none"))
	}
	n, source := cfg.MaxConns, "THEBRAIN_MAX_CONNS"
	if n == 0 && limited {
		n, source = int64(connlimit.Derive(files, reserved)), "file limit"
	}
	attrs = append(attrs, slog.Int64("max_conns", n), slog.String("source", source))
	switch {
	case limited && uint64(n)+uint64(reserved) > files:
		logger.LogAttrs(ctx, slog.LevelWarn, "connection limit leaves too few files for the database and Redis: raise the file limit (ulimit -n) or lower THEBRAIN_MAX_CONNS", attrs...)
	case n == 0:
		logger.LogAttrs(ctx, slog.LevelInfo, "connection limit: none (no file limit; set THEBRAIN_MAX_CONNS to cap)", attrs...)
	default:
		logger.LogAttrs(ctx, slog.LevelInfo, "connection limit", attrs...)
	}
	return n
}

// serveHTTP serves h on ln until ctx is done, then stops accepting and
// gives in-flight requests cfg.ShutdownTimeout to finish. cfg.MaxConns,
// when positive, caps the connections held at once.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, cfg config.Config, logger *slog.Logger) error {
	var connState func(net.Conn, http.ConnState)
	if cfg.MaxConns > 0 {
		lim := connlimit.New(int(cfg.MaxConns), logger)
		ln, connState = lim.Listener(ln), lim.ConnState
	}
	srv := &http.Server{
		Handler:           h,
		ConnState:         connState,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests must not be cancelled by the shutdown signal itself: they
		// get the grace period instead.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.InfoContext(ctx, "shutting down", slog.Duration("grace", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: in-flight requests did not finish within %s: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.InfoContext(ctx, "stopped")
	return nil
}
