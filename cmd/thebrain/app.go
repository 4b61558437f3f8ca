package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/ai"
	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/modules/auth"
	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/collab"
	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/modules/projects"
	"github.com/thebrain/thebrain/modules/research"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/blob"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/localpg"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/token"
)

// backends are the stateful services a mode needs, embedded or external.
type backends struct {
	dbURL    string
	cluster  *localpg.Cluster
	pool     *pgxpool.Pool
	redis    *redis.Client
	embedded *redis.Embedded
	keys     redis.Keys
	secret   []byte
	// accessPool is where the projects module answers role checks (see
	// projects.Deps.AccessDB): a write re-checks its caller's role while it
	// holds a connection of pool, so the check must not need a second one.
	accessPool *pgxpool.Pool
	// buffered is set where every response is buffered whole before it
	// leaves (Lambda behind API Gateway): the AI module then answers a
	// request for a stream with one JSON body.
	buffered bool
	// lambda sizes the role-check pool for a sandbox that serves one
	// request at a time: one connection.
	lambda bool
}

// openDatabaseURL resolves the PostgreSQL URL, starting the embedded cluster
// when none is configured.
func (b *backends) openDatabaseURL(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if cfg.DatabaseURL != "" {
		b.dbURL = cfg.DatabaseURL
		logger.InfoContext(ctx, "database backend: PostgreSQL", slog.String("url", config.MaskURL(cfg.DatabaseURL)))
		return nil
	}
	dir := filepath.Join(cfg.DataDir, "postgres")
	c, err := localpg.Start(ctx, localpg.Options{Dir: dir, BinDir: cfg.PostgresBinDir, Logger: logger})
	if err != nil {
		if errors.Is(err, localpg.ErrNoBinaries) {
			return err
		}
		return fmt.Errorf("embedded PostgreSQL in %s: %w", dir, err)
	}
	b.cluster, b.dbURL = c, c.URL()
	logger.InfoContext(ctx, "database backend: embedded PostgreSQL (set THEBRAIN_DATABASE_URL to use a server)",
		slog.String("dir", dir), slog.String("url", config.MaskURL(c.URL())))
	return nil
}

// openBackends brings up everything serve and lambda need: PostgreSQL,
// Redis and the secret key. migrate says whether to apply pending
// migrations first.
func openBackends(ctx context.Context, cfg config.Config, logger *slog.Logger, migrate bool) (*backends, error) {
	return openBackendsFor(ctx, cfg, logger, migrate, false)
}

// openBackendsFor is openBackends, with pools sized for Lambda when lambda
// is set.
func openBackendsFor(ctx context.Context, cfg config.Config, logger *slog.Logger, migrate, lambda bool) (*backends, error) {
	b := &backends{keys: redis.NewKeys(cfg.RedisPrefix), lambda: lambda}
	if err := b.open(ctx, cfg, logger, migrate); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// openDatabase brings up PostgreSQL alone, for commands that touch nothing
// else (purge).
func openDatabase(ctx context.Context, cfg config.Config, logger *slog.Logger) (*backends, error) {
	b := &backends{}
	if err := b.openPool(ctx, cfg, logger, false); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *backends) open(ctx context.Context, cfg config.Config, logger *slog.Logger, migrate bool) error {
	err := b.openPool(ctx, cfg, logger, migrate)
	if err != nil {
		return err
	}
	// Role checks are one short query each: a quarter of the main pool is
	// plenty, and two keep one slow check from stalling every write.
	accessConns := max(2, cfg.DatabaseMaxConns/4)
	if b.lambda {
		accessConns = 1 // one request at a time: one role check at a time
	}
	b.accessPool, err = db.Open(ctx, b.dbURL, db.Options{
		MaxConns: accessConns, ApplicationName: "thebrain-access", AcquireTimeout: cfg.DatabaseAcquireTimeout,
		Credentials: dbCredentials(ctx), Lazy: b.lambda, // the main pool has just proved the database answers
	})
	if err != nil {
		return fmt.Errorf("THEBRAIN_DATABASE_URL (access pool): %w", err)
	}
	redisURL := cfg.RedisURL
	if redisURL == "" {
		if b.embedded, err = redis.StartEmbedded(); err != nil {
			return err
		}
		redisURL = b.embedded.URL()
		logger.InfoContext(ctx, "redis backend: in-process Redis-protocol server, password-protected, TTLs in real time (set THEBRAIN_REDIS_URL to use a server)")
	} else {
		logger.InfoContext(ctx, "redis backend: Redis", slog.String("url", config.MaskURL(redisURL)))
	}
	if b.redis, err = redis.Open(ctx, redisURL); err != nil {
		return fmt.Errorf("THEBRAIN_REDIS_URL: %w", err)
	}
	b.redis.SetLogger(logger) // the breaker says when Redis goes away and comes back
	b.secret, err = secretKey(cfg)
	return err
}

// openPool resolves the database URL, migrates when asked and opens the
// pool.
func (b *backends) openPool(ctx context.Context, cfg config.Config, logger *slog.Logger, migrate bool) error {
	if err := b.openDatabaseURL(ctx, cfg, logger); err != nil {
		return err
	}
	if migrate {
		if err := migrateUp(ctx, b.dbURL, logger); err != nil {
			return err
		}
	}
	var err error
	if b.pool, err = db.Open(ctx, b.dbURL, db.Options{MaxConns: cfg.DatabaseMaxConns, AcquireTimeout: cfg.DatabaseAcquireTimeout, Credentials: dbCredentials(ctx)}); err != nil {
		return fmt.Errorf("THEBRAIN_DATABASE_URL: %w", err)
	}
	return nil
}

// Close releases everything in reverse order of opening.
func (b *backends) Close() {
	if b.redis != nil {
		b.redis.Close()
	}
	if b.embedded != nil {
		b.embedded.Close()
	}
	if b.accessPool != nil {
		b.accessPool.Close()
	}
	if b.pool != nil {
		b.pool.Close()
	}
	if b.cluster != nil {
		_ = b.cluster.Stop()
	}
}

// secretKey returns the configured secret, or one generated on first use
// and kept in the data directory so cursors survive restarts.
func secretKey(cfg config.Config) ([]byte, error) {
	if len(cfg.SecretKey) > 0 {
		return cfg.SecretKey, nil
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	if raw, err := os.ReadFile(path); err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) < 32 {
			return nil, fmt.Errorf("%s is damaged; delete it to generate a new key (open cursors become invalid)", path)
		}
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o711); err != nil {
		return nil, fmt.Errorf("THEBRAIN_DATA_DIR: %w", err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("store generated secret key: %w", err)
	}
	return key, nil
}

// signingKeys returns the configured keys, or in development a key
// generated once and kept in the data directory (never in the repository).
func signingKeys(cfg config.Config) ([]token.Key, error) {
	if len(cfg.JWTKeys) > 0 {
		out := make([]token.Key, len(cfg.JWTKeys))
		for i, k := range cfg.JWTKeys {
			out[i] = token.Key{ID: k.ID, Private: ed25519.NewKeyFromSeed(k.Seed)}
		}
		return out, nil
	}
	if cfg.Env == "production" {
		return nil, errors.New("THEBRAIN_JWT_KEYS: required in production")
	}
	path := filepath.Join(cfg.DataDir, "jwt.key")
	if raw, err := os.ReadFile(path); err == nil {
		kid, seed, ok := strings.Cut(strings.TrimSpace(string(raw)), ":")
		b, err := base64.StdEncoding.DecodeString(seed)
		if !ok || err != nil || len(b) != ed25519.SeedSize {
			return nil, fmt.Errorf("%s is damaged; delete it to generate a new key (everyone signs in again)", path)
		}
		return []token.Key{{ID: kid, Private: ed25519.NewKeyFromSeed(b)}}, nil
	}
	k, err := token.GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o711); err != nil {
		return nil, fmt.Errorf("THEBRAIN_DATA_DIR: %w", err)
	}
	line := k.ID + ":" + base64.StdEncoding.EncodeToString(k.Private.Seed()) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		return nil, fmt.Errorf("store generated signing key: %w", err)
	}
	return []token.Key{k}, nil
}

// newAuthModule builds the auth module from the configuration and the
// opened backends.
func newAuthModule(cfg config.Config, logger *slog.Logger, b *backends, cursors *page.Codec) (*auth.Module, error) {
	keys, err := signingKeys(cfg)
	if err != nil {
		return nil, err
	}
	return auth.New(auth.Deps{
		Log: logger, DB: b.pool, Redis: b.redis, Keys: b.keys, Cursors: cursors, Secret: b.secret,
		SigningKeys: keys, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
		Options: auth.Options{
			PasswordHash:    cfg.PasswordHash,
			TrustedProxies:  cfg.TrustedProxies,
			AllowedOrigins:  append(append([]string(nil), cfg.CORSOrigins...), cfg.AuthOrigins...),
			IPRatePerMinute: int(cfg.AuthIPRate),
		},
	})
}

// app is every module, wired: the only place modules meet each other.
type app struct {
	auth     *auth.Module
	projects *projects.Module
	chapters *chapters.Module
	research *research.Module
	jobs     *jobs.Module
	collab   *collab.Module
	ai       *ai.Module
	// localBlobs, without a bucket, keeps attachments in the data directory
	// and serves their presigned URLs.
	localBlobs *blob.Local
}

// modules lists every module, in mounting order.
func (a *app) modules() []module.Module {
	mods := []module.Module{a.auth, a.projects, a.chapters, a.research, a.jobs, a.collab, a.ai}
	if a.localBlobs != nil {
		mods = append(mods, a.localBlobs)
	}
	return mods
}

// newBlobStore is where attachments live: the configured S3 bucket, or a
// directory of the data directory whose signed URLs (keyed by secret) the
// server serves itself.
func newBlobStore(ctx context.Context, cfg config.Config, logger *slog.Logger, secret []byte) (blob.Store, *blob.Local, error) {
	if cfg.S3Bucket == "" {
		dir := filepath.Join(cfg.DataDir, "blobs")
		l, err := blob.NewLocal(blob.LocalOptions{Dir: dir, Path: server.APIPrefix + "/blobs", Secret: secret, MaxSize: research.MaxAttachmentSize})
		if err != nil {
			return nil, nil, fmt.Errorf("THEBRAIN_DATA_DIR: %w", err)
		}
		logger.InfoContext(ctx, "file store: local directory (set THEBRAIN_S3_BUCKET to use S3)", slog.String("dir", dir))
		return l, l, nil
	}
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.S3Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.S3Region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("AWS configuration: %w", err)
	}
	s, err := blob.NewS3(awsCfg, blob.S3Options{Bucket: cfg.S3Bucket, Endpoint: cfg.S3Endpoint})
	if err != nil {
		return nil, nil, err
	}
	logger.InfoContext(ctx, "file store: S3", slog.String("bucket", cfg.S3Bucket), slog.String("endpoint", config.MaskURL(cfg.S3Endpoint)))
	return s, nil, nil
}

// extraJobKinds are job kinds a test's child process adds to the binary's
// own (tests only: the binary has no kind whose run a test can control).
var extraJobKinds []module.JobKind

// wire builds the modules on b.
func wire(cfg config.Config, logger *slog.Logger, b *backends) (*app, error) {
	cursors := page.NewCodec(b.secret) // shared by the list endpoints of every module
	authMod, err := newAuthModule(cfg, logger, b, cursors)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	projectsMod := projects.New(projects.Deps{
		DB: b.pool, AccessDB: b.accessPool, Cursors: cursors, Users: authMod, Redis: b.redis, Keys: b.keys,
	})
	// One guard for every module: routes and writes check roles with the
	// projects module's Checker.
	guard := access.NewGuard(projectsMod.Access())
	// Authors' names come from auth.
	chaptersMod := chapters.New(chapters.Deps{
		Log: logger, DB: b.pool, Guard: guard, Users: authMod, Cursors: cursors,
	})
	// Research asks chapters whether a note's chapter exists, and keeps
	// attachments in the blob store.
	blobs, localBlobs, err := newBlobStore(context.Background(), cfg, logger, b.secret)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	researchMod := research.New(research.Deps{
		DB: b.pool, Guard: guard, Cursors: cursors, Chapters: chaptersMod, Blobs: blobs,
	})
	// Collab asks chapters which book a chapter is in (and its content, to
	// seed and render documents), the guard for roles and auth's verifier
	// for tokens (revocation included).
	collabMod, err := collab.New(collab.Deps{
		Log: logger, DB: b.pool, Redis: b.redis, Keys: b.keys, Guard: guard, Verifier: authMod.Verifier(),
		Chapters: chaptersMod, Secret: b.secret, Origins: cfg.CORSOrigins, ShutdownTimeout: cfg.ShutdownTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("collab: %w", err)
	}
	// A chapter with a collaborative document is the document: content
	// writes through chapters reach it as Y.js updates (collab renders it
	// back through chapters.SaveFromDocument).
	chaptersMod.SetDocuments(collabMod)
	transport, err := newJobsTransport(cfg, logger, b)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	jobsMod := jobs.New(jobs.Deps{Log: logger, DB: b.pool, Cursors: cursors, Transport: transport, Lease: cfg.JobsLease})
	// The AI module reads chapters and notes through their modules and
	// starts its long operations as jobs.
	aiMod := ai.New(ai.Deps{
		Log: logger, DB: b.pool, Redis: b.redis, Keys: b.keys, Guard: guard,
		Chapters: chaptersMod, Notes: researchMod, Jobs: jobsMod,
		Chains:   aiChains(cfg, logger),
		Budgets:  ai.Budgets{Sync: cfg.AISyncTimeout, Stream: cfg.AIStreamTimeout},
		Limits:   ai.Limits{HourlyRequests: int(cfg.AIHourlyLimit), DailyTokens: cfg.AIDailyTokens, CacheTTL: cfg.AICacheTTL},
		Buffered: b.buffered,
	})
	a := &app{auth: authMod, projects: projectsMod, chapters: chaptersMod, research: researchMod, jobs: jobsMod, collab: collabMod, ai: aiMod, localBlobs: localBlobs}
	// Every module's job kinds, for the workers and for Enqueue.
	for _, m := range a.modules() {
		if p, ok := m.(module.JobProvider); ok {
			jobsMod.Register(p.JobKinds()...)
		}
	}
	jobsMod.Register(extraJobKinds...)
	return a, nil
}

// aiChains builds each AI operation's provider chain from the
// configuration, with one client per configured provider shared by the
// chains. With none configured the server still runs and the operations
// answer 503 naming the settings to set.
func aiChains(cfg config.Config, logger *slog.Logger) map[ai.Operation]*provider.Chain {
	providers := map[string]provider.Provider{}
	if cfg.AIConfigured("anthropic") {
		providers["anthropic"] = provider.NewAnthropic(provider.AnthropicConfig{APIKey: cfg.AnthropicAPIKey, BaseURL: cfg.AnthropicBaseURL})
	}
	if cfg.AIConfigured("openai") {
		providers["openai"] = provider.NewOpenAI(provider.OpenAIConfig{APIKey: cfg.OpenAIAPIKey, BaseURL: cfg.OpenAIBaseURL})
	}
	if len(providers) == 0 {
		logger.Info("AI: no provider configured; the AI operations answer 503 (set THEBRAIN_ANTHROPIC_API_KEY, THEBRAIN_OPENAI_API_KEY or THEBRAIN_OPENAI_BASE_URL)")
		return nil
	}
	policy := provider.Policy{AttemptTimeout: cfg.AIAttemptTimeout, IdleTimeout: cfg.AIIdleTimeout}
	chains := map[ai.Operation]*provider.Chain{}
	attrs := []any{}
	for _, op := range ai.Operations {
		var links []provider.Link
		var names []string
		for _, p := range cfg.AIChain(string(op)) {
			links = append(links, provider.Link{Provider: providers[p], Model: cfg.AIModel(string(op), p)})
			names = append(names, providers[p].Name()+":"+cfg.AIModel(string(op), p))
		}
		chains[op] = provider.NewChain(policy, links...)
		attrs = append(attrs, slog.String(string(op), strings.Join(names, " → ")))
	}
	logger.Info("AI provider chains", attrs...)
	return chains
}

// newJobsTransport is the configured way jobs reach workers: River on the
// database, or SQS.
func newJobsTransport(cfg config.Config, logger *slog.Logger, b *backends) (jobs.Transport, error) {
	grace := min(cfg.ShutdownTimeout, 25*time.Second)
	if cfg.JobsTransport == "postgres" {
		return jobs.NewRiver(b.pool, jobs.RiverOptions{
			Log: logger, Concurrency: int(cfg.JobsConcurrency), RescueAfter: 2 * cfg.JobsLease, ShutdownGrace: grace,
		})
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	client := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = &cfg.SQSEndpoint
		}
	})
	return jobs.NewSQS(jobs.SQSOptions{
		Log: logger, Client: client, QueueURL: cfg.SQSQueueURL, Pool: b.pool, Concurrency: int(cfg.JobsConcurrency),
		Visibility: cfg.JobsLease + 15*time.Second, ShutdownGrace: grace,
	})
}

// newHandler serves every module's routes on the platform's router. A
// long-running server also calls app.follow.
func newHandler(cfg config.Config, logger *slog.Logger, b *backends) (http.Handler, *app, error) {
	a, err := wire(cfg, logger, b)
	if err != nil {
		return nil, nil, err
	}
	return server.NewHandler(server.Options{
		Logger:         logger,
		Version:        buildVersion(),
		Modules:        a.modules(),
		Verifier:       a.auth.Verifier(), // revocation-aware: logout bites on every route
		CORSOrigins:    cfg.CORSOrigins,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		BodyPace:       httpx.BodyPace{MinRate: cfg.BodyMinRate, Grace: cfg.BodyGrace},
		RequestTimeout: cfg.RequestTimeout,
		HSTS:           cfg.Env == "production",
		Checks: map[string]server.Check{
			"database": func(ctx context.Context) error { return b.pool.Ping(ctx) },
			"redis":    func(ctx context.Context) error { return b.redis.Ping(ctx).Err() },
		},
	}), a, nil
}

// follow keeps, until ctx ends, what a long-running server holds beside its
// handler: the in-process copy of the token denylist, so verifying a token
// needs no round trip to Redis, the drain of the revocation log, and the
// batched writing of the AI call records. Not for Lambda, whose sandbox is
// frozen between invocations (its token checks drain instead, and it
// writes each record as its call ends). The returned func waits, once ctx
// has ended, for what must finish before the backends close (the last
// records).
func (a *app) follow(ctx context.Context) (wait func()) {
	go a.auth.FollowRevocations(ctx)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		a.ai.RecordInBackground(ctx)
	}()
	return func() { <-recorded }
}
