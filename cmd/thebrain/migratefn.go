package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/db"
)

// migrateResult is what the migrations function answers.
type migrateResult struct {
	Version uint `json:"version"`
	Latest  uint `json:"latest"`
}

// serveMigrateLambda is the migrations function (Lambda handler string
// "migrate"): every invocation, whatever its payload, applies the pending
// migrations and answers the version, or fails the invocation. The deploy
// invokes it (a CDK trigger, deploy/cdk) before the API is updated; the API
// Lambda itself never migrates.
func serveMigrateLambda(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	logger.InfoContext(ctx, "starting", slog.String("mode", "migrate (lambda)"), slog.String("version", buildVersion()))
	lambda.StartWithOptions(func(ctx context.Context) (migrateResult, error) {
		return migrateOnce(ctx, cfg, logger)
	}, lambda.WithContext(ctx))
	return nil
}

// migrateOnce is `thebrain migrate up` returning the version reached.
func migrateOnce(ctx context.Context, cfg config.Config, logger *slog.Logger) (migrateResult, error) {
	b := &backends{}
	defer b.Close()
	if err := b.openDatabaseURL(ctx, cfg, logger); err != nil {
		return migrateResult{}, err
	}
	mg, err := db.NewMigrator(b.dbURL)
	if err != nil {
		return migrateResult{}, fmt.Errorf("THEBRAIN_DATABASE_URL: %w", err)
	}
	defer mg.Close()
	if err := migrateUpWith(ctx, mg, logger); err != nil {
		return migrateResult{}, err
	}
	v, _, err := mg.Version()
	if err != nil {
		return migrateResult{}, fmt.Errorf("read migration version: %w", err)
	}
	latest, _ := db.Latest()
	return migrateResult{Version: v, Latest: latest}, nil
}
