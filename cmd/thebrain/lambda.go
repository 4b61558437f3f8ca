package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/httpx"
)

// serveLambda answers API Gateway REST (v1) events with the same handler as
// serve. It never migrates (a deploy step does) and starts no background
// work, since the sandbox is frozen between invocations.
func serveLambda(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	logger.InfoContext(ctx, "starting", slog.String("mode", "lambda"), slog.String("version", buildVersion()), slog.Any("config", cfg))
	b, err := openBackends(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	// The proxy buffers whole responses: an AI stream is answered as one
	// JSON body (docs/ai.md).
	b.buffered = true
	h, _, err := newHandler(cfg, logger, b)
	if err != nil {
		b.Close()
		return err
	}
	adapter := httpadapter.New(lambdaRequestID(h))
	lambda.StartWithOptions(adapter.ProxyWithContext, lambda.WithContext(ctx), lambda.WithEnableSIGTERM(b.Close))
	return nil
}

// lambdaRequestID seeds the request ID from API Gateway's, so our logs and
// API Gateway's can be joined.
func lambdaRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gw, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok && gw.RequestID != "" {
			r = r.WithContext(httpx.WithRequestID(r.Context(), gw.RequestID))
		}
		next.ServeHTTP(w, r)
	})
}
