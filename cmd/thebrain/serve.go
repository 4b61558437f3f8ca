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
	fctx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	a.follow(fctx)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("THEBRAIN_HTTP_ADDR: %w", err)
	}
	logger.InfoContext(ctx, "listening", slog.String("addr", ln.Addr().String()), slog.Duration("startup", time.Since(start)))
	return serveHTTP(ctx, ln, h, cfg, logger)
}

// serveHTTP serves h on ln until ctx is done, then stops accepting and
// gives in-flight requests cfg.ShutdownTimeout to finish.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, cfg config.Config, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
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
