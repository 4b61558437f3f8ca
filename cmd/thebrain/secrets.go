package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/secrets"
)

// loadSecrets replaces the settings whose THEBRAIN_*_SECRET_ARN is set with
// the values of those secrets, fetched at once (concurrently) from Secrets
// Manager; on Lambda this is part of the cold start. A secret that cannot
// be read fails the start with an error naming its ARN. The database
// secret also yields the credentials the pools re-read after a refusal.
// Values are never logged.
func loadSecrets(ctx context.Context, cfg config.Config, logger *slog.Logger) (config.Config, db.Credentials, error) {
	arns := cfg.SecretARNs()
	if len(arns) == 0 {
		return cfg, nil, nil
	}
	start := time.Now()
	store, err := secrets.NewAWSStore(ctx, cfg.SecretsManagerEndpoint)
	if err != nil {
		return cfg, nil, fmt.Errorf("Secrets Manager: %w", err)
	}
	names := make([]string, 0, len(arns))
	for name := range arns {
		names = append(names, name)
	}
	sort.Strings(names)
	values := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { values[i], errs[i] = store.Get(ctx, arns[name]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return cfg, nil, err
	}
	var creds db.Credentials
	for i, name := range names {
		arn, v := arns[name], values[i]
		var err error
		switch name {
		case "THEBRAIN_DATABASE_URL":
			var d secrets.Database
			if d, err = secrets.ParseDatabase(v); err == nil {
				if cfg.DatabaseURL, err = d.URL(cfg.DatabaseURL); err == nil {
					creds = secrets.NewDatabaseCredentials(store, arn, d, func(changed bool, err error) {
						switch {
						case err != nil:
							logger.Error("database password refused; re-reading the secret failed", slog.String("secret_arn", arn), slog.String("error", err.Error()))
						case changed:
							logger.Warn("database password refused; the secret has new credentials, the next connection uses them", slog.String("secret_arn", arn))
						default:
							logger.Error("database password refused, and the secret still holds it", slog.String("secret_arn", arn))
						}
					})
				}
			}
		case "THEBRAIN_REDIS_URL":
			cfg.RedisURL, err = redisWithAuth(cfg.RedisURL, v)
		default:
			err = cfg.Set(name, v)
		}
		if err != nil {
			return cfg, nil, fmt.Errorf("secret %s (for %s): %w", arn, name, err)
		}
	}
	logger.InfoContext(ctx, "secrets read from Secrets Manager", slog.Any("settings", names), slog.Duration("took", time.Since(start)))
	return cfg, creds, nil
}

// redisWithAuth puts an AUTH token into a Redis URL: the secret is the
// token itself (ElastiCache's AUTH token) or JSON {"password", "username"}
// (an ACL user).
func redisWithAuth(redisURL, secret string) (string, error) {
	u, err := url.Parse(redisURL)
	if err != nil {
		return "", errors.New("THEBRAIN_REDIS_URL does not parse")
	}
	user, password := "", strings.TrimSpace(secret)
	if strings.HasPrefix(password, "{") {
		var v struct{ Username, Password string }
		if json.Unmarshal([]byte(password), &v) != nil || v.Password == "" {
			return "", errors.New(`is JSON without a "password"`)
		}
		user, password = v.Username, v.Password
	}
	if password == "" {
		return "", errors.New("is empty")
	}
	u.User = url.UserPassword(user, password)
	return u.String(), nil
}

type dbCredentialsKey struct{}

// withDBCredentials hands the database secret's credentials to the pools
// the mode opens.
func withDBCredentials(ctx context.Context, c db.Credentials) context.Context {
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, dbCredentialsKey{}, c)
}

func dbCredentials(ctx context.Context) db.Credentials {
	c, _ := ctx.Value(dbCredentialsKey{}).(db.Credentials)
	return c
}
