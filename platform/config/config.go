// Package config is the only reader of the environment. Every setting has a
// THEBRAIN_ name, a default in code and a parser; Load reports every problem
// at once so an operator fixes a deployment in one go.
package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the effective configuration of one process.
type Config struct {
	Env         string // "development" or "production"
	HTTPAddr    string
	DataDir     string
	LogFormat   string // "text" or "json"
	LogLevel    slog.Level
	AutoMigrate bool

	DatabaseURL      string // empty: start the embedded PostgreSQL cluster
	PostgresBinDir   string // where the embedded cluster's binaries are; empty: search
	DatabaseMaxConns int32
	// DatabaseAcquireTimeout bounds a request's wait for a pooled
	// connection (503 unavailable after it).
	DatabaseAcquireTimeout time.Duration
	RedisURL               string // empty: use the in-process Redis-protocol server
	RedisPrefix            string

	// SecretKey derives keys for tamper-checked values such as cursors. When
	// empty, a key is generated once and kept in DataDir.
	SecretKey []byte

	CORSOrigins       []string
	MaxBodyBytes      int64
	BodyMinRate       int64         // bytes per second a request body must keep up with on average
	BodyGrace         time.Duration // wait allowed for a body on top of its size / BodyMinRate
	RequestTimeout    time.Duration
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// MaxConns caps the connections serve holds at once; 0 derives the cap
	// from the process's file limit.
	MaxConns int64

	// Auth. JWTKeys sign access tokens (the first) and verify them (all,
	// for rotation); empty in development generates a key in DataDir.
	JWTIssuer      string
	JWTAudience    string
	JWTKeys        []JWTKey
	JWTPublicKeys  string // JWKS document for the authorizer; empty derives it from JWTKeys
	PasswordHash   string // "argon2id" or "bcrypt"
	TrustedProxies []netip.Prefix
	AuthOrigins    []string // extra origins allowed on cookie and login calls
	AuthIPRate     int32    // sign-in attempts per minute per client IP and action

	// Jobs (docs/jobs.md).
	JobsTransport   string // "postgres" (River) or "sqs"
	JobsConcurrency int32  // jobs one worker process runs at once
	JobsLease       time.Duration
	JobsInServe     bool   // serve runs an in-process worker
	WorkerAddr      string // health endpoints of worker mode
	SQSQueueURL     string
	SQSEndpoint     string // empty: AWS's; set for a local SQS-compatible server
	CollabAddr      string // listen address of collab mode

	// Files (research attachments): S3 when a bucket is set, else a
	// directory of DataDir served by the API itself.
	S3Bucket   string
	S3Region   string // empty: the SDK's (AWS_REGION)
	S3Endpoint string // empty: AWS's; set for an S3-compatible server (path-style)

	// AI (docs/ai.md). A provider is configured by its key or, for an
	// OpenAI-compatible server, its base URL alone.
	AnthropicAPIKey  string
	AnthropicBaseURL string
	AnthropicModel   string
	OpenAIAPIKey     string
	OpenAIBaseURL    string
	OpenAIModel      string
	// AIProviders is the default chain order; empty: every configured
	// provider, Anthropic first.
	AIProviders []string
	// AIChains overrides the chain of an operation; AIModels the model of
	// an operation at a provider ("draft" → "anthropic" → model).
	AIChains         map[string][]string
	AIModels         map[string]map[string]string
	AIHourlyLimit    int32
	AIDailyTokens    int64
	AISyncTimeout    time.Duration
	AIStreamTimeout  time.Duration
	AIIdleTimeout    time.Duration
	AIAttemptTimeout time.Duration
	AICacheTTL       time.Duration

	// Secrets Manager (docs/deploy.md, "Lambda"): ARNs of secrets read at
	// start-up in place of the plain settings they name.
	DatabaseSecretARN        string // RDS JSON: user, password, host, port, dbname
	RedisSecretARN           string // the Redis AUTH token (or {"password"[, "username"]})
	SecretKeySecretARN       string // THEBRAIN_SECRET_KEY's value
	JWTKeysSecretARN         string // THEBRAIN_JWT_KEYS's value
	AnthropicAPIKeySecretARN string
	OpenAIAPIKeySecretARN    string
	SecretsManagerEndpoint   string // empty: AWS's
	// LambdaDatabaseMaxConns is the pool size of lambda mode, whose
	// sandbox serves one request at a time.
	LambdaDatabaseMaxConns int32
}

// AIProviderNames are the providers the AI settings know.
var AIProviderNames = []string{"anthropic", "openai"}

// AIOperations are the operations THEBRAIN_AI_CHAINS and THEBRAIN_AI_MODELS
// may name.
var AIOperations = []string{"expand", "rewrite", "summarize", "draft", "consistency"}

// JWTKey is one Ed25519 signing key: its kid and 32-byte seed.
type JWTKey struct {
	ID   string
	Seed []byte
}

// Setting describes one environment variable.
type Setting struct {
	Name    string
	Default string
	Help    string
	Secret  bool
	parse   func(cfg *Config, v string) error
}

// Settings lists every variable Load reads, in documentation order.
func Settings() []Setting { return settings }

var settings = []Setting{
	{Name: "THEBRAIN_ENV", Default: "development", Help: "development or production; production refuses embedded backends and generated keys",
		parse: func(c *Config, v string) error { return oneOf(&c.Env, v, "development", "production") }},
	{Name: "THEBRAIN_HTTP_ADDR", Default: ":8080", Help: "listen address of serve mode",
		parse: func(c *Config, v string) error { return hostPort(&c.HTTPAddr, v) }},
	{Name: "THEBRAIN_DATA_DIR", Default: "./.thebrain", Help: "local state: embedded PostgreSQL cluster, generated keys",
		parse: func(c *Config, v string) error { return nonEmpty(&c.DataDir, v) }},
	{Name: "THEBRAIN_LOG_FORMAT", Default: "text", Help: "text or json",
		parse: func(c *Config, v string) error { return oneOf(&c.LogFormat, v, "text", "json") }},
	{Name: "THEBRAIN_LOG_LEVEL", Default: "info", Help: "debug, info, warn or error",
		parse: func(c *Config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
	{Name: "THEBRAIN_AUTO_MIGRATE", Default: "true", Help: "serve mode migrates the database up before listening (never in Lambda)",
		parse: func(c *Config, v string) error { return boolean(&c.AutoMigrate, v) }},
	{Name: "THEBRAIN_DATABASE_URL", Default: "", Help: "PostgreSQL URL; empty starts a private cluster from the local PostgreSQL binaries", Secret: true,
		parse: func(c *Config, v string) error { return dbURL(&c.DatabaseURL, v) }},
	{Name: "THEBRAIN_POSTGRES_BIN_DIR", Default: "", Help: "directory with initdb, pg_ctl and postgres for the embedded cluster; empty searches PATH, pg_config and /usr/lib/postgresql/*/bin",
		parse: func(c *Config, v string) error { c.PostgresBinDir = v; return nil }},
	{Name: "THEBRAIN_DATABASE_MAX_CONNS", Default: "20", Help: "PostgreSQL pool size; role checks get a second pool of a quarter of it (at least 2)",
		parse: func(c *Config, v string) error { return intRange(&c.DatabaseMaxConns, v, 1, 1000) }},
	{Name: "THEBRAIN_DATABASE_ACQUIRE_TIMEOUT", Default: "5s", Help: "longest wait for a free PostgreSQL connection; past it the request answers 503 unavailable",
		parse: func(c *Config, v string) error { return duration(&c.DatabaseAcquireTimeout, v) }},
	{Name: "THEBRAIN_REDIS_URL", Default: "", Help: "Redis URL; empty uses an in-process Redis-protocol server", Secret: true,
		parse: func(c *Config, v string) error { return redisURL(&c.RedisURL, v) }},
	{Name: "THEBRAIN_REDIS_PREFIX", Default: "thebrain:", Help: "namespace prepended to every Redis key",
		parse: func(c *Config, v string) error { c.RedisPrefix = v; return nil }},
	{Name: "THEBRAIN_SECRET_KEY", Default: "", Help: "base64 key (32+ bytes) for signed cursors; empty generates one in the data directory", Secret: true,
		parse: func(c *Config, v string) error { return secretKey(&c.SecretKey, v) }},
	{Name: "THEBRAIN_CORS_ORIGINS", Default: "", Help: "comma-separated exact origins allowed by CORS, e.g. https://app.example.com",
		parse: func(c *Config, v string) error { return origins(&c.CORSOrigins, v) }},
	{Name: "THEBRAIN_MAX_BODY_BYTES", Default: "4194304", Help: "server-wide request body cap in bytes (routes cap lower: 1 MiB by default, chapter content 3 MiB)",
		parse: func(c *Config, v string) error { return intRange(&c.MaxBodyBytes, v, 1024, 1<<30) }},
	{Name: "THEBRAIN_BODY_MIN_RATE", Default: "16384", Help: "slowest average upload (bytes per second) the server waits for: a request body gets THEBRAIN_BODY_GRACE plus its size / this rate, and 408 once it falls behind",
		parse: func(c *Config, v string) error { return intRange(&c.BodyMinRate, v, 1, 1<<30) }},
	{Name: "THEBRAIN_BODY_GRACE", Default: "10s", Help: "wait allowed for every request body on top of its size / THEBRAIN_BODY_MIN_RATE",
		parse: func(c *Config, v string) error { return duration(&c.BodyGrace, v) }},
	{Name: "THEBRAIN_REQUEST_TIMEOUT", Default: "30s", Help: "deadline of one API request, plus the body's allowance for requests with a body",
		parse: func(c *Config, v string) error { return duration(&c.RequestTimeout, v) }},
	{Name: "THEBRAIN_READ_HEADER_TIMEOUT", Default: "10s", Help: "time a client has to send request headers",
		parse: func(c *Config, v string) error { return duration(&c.ReadHeaderTimeout, v) }},
	{Name: "THEBRAIN_IDLE_TIMEOUT", Default: "120s", Help: "keep-alive idle timeout",
		parse: func(c *Config, v string) error { return duration(&c.IdleTimeout, v) }},
	{Name: "THEBRAIN_MAX_CONNS", Default: "0", Help: "connections serve holds at once; past it idle ones are closed, or new ones get 503; 0 derives it from the file limit (minus the database and Redis pools and 128 for files)",
		parse: func(c *Config, v string) error { return intRange(&c.MaxConns, v, 0, 10_000_000) }},
	{Name: "THEBRAIN_SHUTDOWN_TIMEOUT", Default: "20s", Help: "grace period for in-flight requests on SIGINT/SIGTERM",
		parse: func(c *Config, v string) error { return duration(&c.ShutdownTimeout, v) }},
	{Name: "THEBRAIN_JWT_ISSUER", Default: "https://api.thebrain.app", Help: "iss claim of access tokens",
		parse: func(c *Config, v string) error { return nonEmpty(&c.JWTIssuer, v) }},
	{Name: "THEBRAIN_JWT_AUDIENCE", Default: "thebrain-api", Help: "aud claim of access tokens",
		parse: func(c *Config, v string) error { return nonEmpty(&c.JWTAudience, v) }},
	{Name: "THEBRAIN_JWT_KEYS", Default: "", Help: "Ed25519 signing keys as kid:base64-seed, comma-separated; the first signs, all verify; empty generates one in the data directory", Secret: true,
		parse: func(c *Config, v string) error { return jwtKeys(&c.JWTKeys, v) }},
	{Name: "THEBRAIN_JWT_PUBLIC_KEYS", Default: "", Help: "JWKS document (JSON) the authorizer verifies with; empty derives it from THEBRAIN_JWT_KEYS",
		parse: func(c *Config, v string) error { return jwksJSON(&c.JWTPublicKeys, v) }},
	{Name: "THEBRAIN_PASSWORD_HASH", Default: "argon2id", Help: "hash for new passwords: argon2id (OWASP m=19MiB,t=2,p=1) or bcrypt (cost 12); both are always accepted",
		parse: func(c *Config, v string) error { return oneOf(&c.PasswordHash, v, "argon2id", "bcrypt") }},
	{Name: "THEBRAIN_TRUSTED_PROXIES", Default: "", Help: "comma-separated CIDRs whose X-Forwarded-For is believed; empty trusts none",
		parse: func(c *Config, v string) error { return prefixes(&c.TrustedProxies, v) }},
	{Name: "THEBRAIN_AUTH_ORIGINS", Default: "", Help: "extra exact origins allowed to call login, signup and cookie refresh (CORS origins are allowed too)",
		parse: func(c *Config, v string) error { return origins(&c.AuthOrigins, v) }},
	{Name: "THEBRAIN_AUTH_IP_RATE", Default: "30", Help: "signup, login, refresh and password-change attempts per minute per client IP (IPv6 /64)",
		parse: func(c *Config, v string) error { return intRange(&c.AuthIPRate, v, 1, 1_000_000) }},
	{Name: "THEBRAIN_JOBS_TRANSPORT", Default: "postgres", Help: "how jobs reach workers: postgres (River on the database) or sqs (THEBRAIN_SQS_QUEUE_URL)",
		parse: func(c *Config, v string) error { return oneOf(&c.JobsTransport, v, "postgres", "sqs") }},
	{Name: "THEBRAIN_JOBS_CONCURRENCY", Default: "32", Help: "jobs one worker process (or serve's in-process worker) runs at once",
		parse: func(c *Config, v string) error { return intRange(&c.JobsConcurrency, v, 1, 1000) }},
	{Name: "THEBRAIN_JOBS_LEASE", Default: "30s", Help: "how long a running job is held between renewals; a crashed worker's job is taken again after it",
		parse: func(c *Config, v string) error { return durationRange(&c.JobsLease, v, 3*time.Second, time.Hour) }},
	{Name: "THEBRAIN_JOBS_IN_SERVE", Default: "true", Help: "serve runs jobs in-process too (one process for local work); false leaves them to thebrain worker",
		parse: func(c *Config, v string) error { return boolean(&c.JobsInServe, v) }},
	{Name: "THEBRAIN_WORKER_ADDR", Default: ":8081", Help: "listen address of worker mode's /healthz and /readyz",
		parse: func(c *Config, v string) error { return hostPort(&c.WorkerAddr, v) }},
	{Name: "THEBRAIN_SQS_QUEUE_URL", Default: "", Help: "the jobs queue when THEBRAIN_JOBS_TRANSPORT=sqs (its redrive policy: a dead-letter queue after 3 receives)",
		parse: func(c *Config, v string) error { c.SQSQueueURL = v; return nil }},
	{Name: "THEBRAIN_SQS_ENDPOINT", Default: "", Help: "SQS endpoint URL; empty uses AWS's (region and credentials from the usual AWS_* settings)",
		parse: func(c *Config, v string) error { c.SQSEndpoint = v; return nil }},
	{Name: "THEBRAIN_S3_BUCKET", Default: "", Help: "the bucket of research attachments; empty keeps them in THEBRAIN_DATA_DIR/blobs, uploaded and read through the API's own signed links",
		parse: func(c *Config, v string) error { return bucketName(&c.S3Bucket, v) }},
	{Name: "THEBRAIN_S3_REGION", Default: "", Help: "the bucket's region; empty uses the usual AWS_REGION",
		parse: func(c *Config, v string) error { c.S3Region = v; return nil }},
	{Name: "THEBRAIN_S3_ENDPOINT", Default: "", Help: "endpoint URL of an S3-compatible server (MinIO, LocalStack), addressed path-style; empty uses AWS's",
		parse: func(c *Config, v string) error { return httpURL(&c.S3Endpoint, v) }},
	{Name: "THEBRAIN_COLLAB_ADDR", Default: ":8082", Help: "listen address of collab mode: the /collab/{chapter_id} WebSocket endpoint, /healthz and /readyz (serve answers /collab on THEBRAIN_HTTP_ADDR)",
		parse: func(c *Config, v string) error { return hostPort(&c.CollabAddr, v) }},
	{Name: "THEBRAIN_ANTHROPIC_API_KEY", Default: "", Help: "Anthropic API key; set, it enables the anthropic provider", Secret: true,
		parse: func(c *Config, v string) error { c.AnthropicAPIKey = v; return nil }},
	{Name: "THEBRAIN_ANTHROPIC_BASE_URL", Default: "", Help: "Anthropic API base URL without /v1 (the SDK adds it); empty is Anthropic's",
		parse: func(c *Config, v string) error { return httpURL(&c.AnthropicBaseURL, v) }},
	{Name: "THEBRAIN_ANTHROPIC_MODEL", Default: "claude-sonnet-4-6", Help: "Anthropic model for every operation THEBRAIN_AI_MODELS does not name",
		parse: func(c *Config, v string) error { return nonEmpty(&c.AnthropicModel, v) }},
	{Name: "THEBRAIN_OPENAI_API_KEY", Default: "", Help: "OpenAI (or compatible server) API key; set, it enables the openai provider", Secret: true,
		parse: func(c *Config, v string) error { c.OpenAIAPIKey = v; return nil }},
	{Name: "THEBRAIN_OPENAI_BASE_URL", Default: "", Help: "base URL of an OpenAI-compatible server, with its /v1 (Ollama: http://localhost:11434/v1); set alone, without a key, it enables the provider",
		parse: func(c *Config, v string) error { return httpURL(&c.OpenAIBaseURL, v) }},
	{Name: "THEBRAIN_OPENAI_MODEL", Default: "gpt-5.4-mini", Help: "OpenAI (or compatible server) model for every operation THEBRAIN_AI_MODELS does not name, e.g. llama3.2 on Ollama",
		parse: func(c *Config, v string) error { return nonEmpty(&c.OpenAIModel, v) }},
	{Name: "THEBRAIN_AI_PROVIDERS", Default: "", Help: "the provider chain: configured providers in the order they are tried, e.g. anthropic,openai; empty: every configured one, Anthropic first",
		parse: func(c *Config, v string) error { return providerList(&c.AIProviders, v) }},
	{Name: "THEBRAIN_AI_CHAINS", Default: "", Help: "per-operation chains, e.g. consistency=openai,anthropic;draft=anthropic (operations: expand, rewrite, summarize, draft, consistency)",
		parse: func(c *Config, v string) error { return aiChains(&c.AIChains, v) }},
	{Name: "THEBRAIN_AI_MODELS", Default: "", Help: "per-operation models, e.g. draft:anthropic=claude-opus-4-6,summarize:openai=gpt-5.4-nano",
		parse: func(c *Config, v string) error { return aiModels(&c.AIModels, v) }},
	{Name: "THEBRAIN_DATABASE_SECRET_ARN", Default: "", Help: "Secrets Manager ARN of the RDS database secret (JSON username, password, host, port, dbname), read at start-up and re-read when PostgreSQL refuses the password; THEBRAIN_DATABASE_URL then only adds options such as sslmode",
		parse: func(c *Config, v string) error { return secretARN(&c.DatabaseSecretARN, v) }},
	{Name: "THEBRAIN_REDIS_SECRET_ARN", Default: "", Help: "Secrets Manager ARN of the Redis AUTH token (the string, or JSON password and optional username), put into THEBRAIN_REDIS_URL at start-up",
		parse: func(c *Config, v string) error { return secretARN(&c.RedisSecretARN, v) }},
	{Name: "THEBRAIN_SECRET_KEY_SECRET_ARN", Default: "", Help: "Secrets Manager ARN whose value is THEBRAIN_SECRET_KEY's, read at start-up",
		parse: func(c *Config, v string) error { return secretARN(&c.SecretKeySecretARN, v) }},
	{Name: "THEBRAIN_JWT_KEYS_SECRET_ARN", Default: "", Help: "Secrets Manager ARN whose value is THEBRAIN_JWT_KEYS's (kid:base64-seed,…), read at start-up",
		parse: func(c *Config, v string) error { return secretARN(&c.JWTKeysSecretARN, v) }},
	{Name: "THEBRAIN_ANTHROPIC_API_KEY_SECRET_ARN", Default: "", Help: "Secrets Manager ARN whose value is THEBRAIN_ANTHROPIC_API_KEY's, read at start-up",
		parse: func(c *Config, v string) error { return secretARN(&c.AnthropicAPIKeySecretARN, v) }},
	{Name: "THEBRAIN_OPENAI_API_KEY_SECRET_ARN", Default: "", Help: "Secrets Manager ARN whose value is THEBRAIN_OPENAI_API_KEY's, read at start-up",
		parse: func(c *Config, v string) error { return secretARN(&c.OpenAIAPIKeySecretARN, v) }},
	{Name: "THEBRAIN_SECRETS_MANAGER_ENDPOINT", Default: "", Help: "Secrets Manager endpoint URL; empty uses AWS's (region and credentials from the usual AWS_* settings)",
		parse: func(c *Config, v string) error { return httpURL(&c.SecretsManagerEndpoint, v) }},
	{Name: "THEBRAIN_LAMBDA_DATABASE_MAX_CONNS", Default: "1", Help: "PostgreSQL pool size of lambda mode (a sandbox serves one request at a time; role checks hold one more connection); put RDS Proxy in front of the database",
		parse: func(c *Config, v string) error { return intRange(&c.LambdaDatabaseMaxConns, v, 1, 100) }},
	{Name: "THEBRAIN_AI_HOURLY_LIMIT", Default: "10", Help: "AI requests per user per hour (answers served from the cache are free)",
		parse: func(c *Config, v string) error { return intRange(&c.AIHourlyLimit, v, 1, 1_000_000) }},
	{Name: "THEBRAIN_AI_DAILY_TOKENS", Default: "200000", Help: "AI tokens (input and output) per user per UTC day",
		parse: func(c *Config, v string) error { return intRange(&c.AIDailyTokens, v, 1000, 1<<40) }},
	{Name: "THEBRAIN_AI_SYNC_TIMEOUT", Default: "25s", Help: "budget of a synchronous AI request, retries and fallbacks included (API Gateway cuts at 29 s)",
		parse: func(c *Config, v string) error {
			return durationRange(&c.AISyncTimeout, v, time.Second, 10*time.Minute)
		}},
	{Name: "THEBRAIN_AI_STREAM_TIMEOUT", Default: "5m", Help: "budget of a streamed AI request in all; streams are exempt from THEBRAIN_REQUEST_TIMEOUT",
		parse: func(c *Config, v string) error { return durationRange(&c.AIStreamTimeout, v, time.Second, time.Hour) }},
	{Name: "THEBRAIN_AI_IDLE_TIMEOUT", Default: "30s", Help: "longest silence of a provider's stream once it has begun",
		parse: func(c *Config, v string) error {
			return durationRange(&c.AIIdleTimeout, v, time.Second, 10*time.Minute)
		}},
	{Name: "THEBRAIN_AI_ATTEMPT_TIMEOUT", Default: "30s", Help: "bound of one call to a provider (of a stream: until its first text)",
		parse: func(c *Config, v string) error {
			return durationRange(&c.AIAttemptTimeout, v, time.Second, 10*time.Minute)
		}},
	{Name: "THEBRAIN_AI_CACHE_TTL", Default: "1h", Help: "how long an AI answer is kept for the same user's same request",
		parse: func(c *Config, v string) error { return durationRange(&c.AICacheTTL, v, time.Second, 7*24*time.Hour) }},
}

// Load reads every setting through getenv (os.Getenv in production, a map
// in tests). The error joins one line per bad variable.
func Load(getenv func(string) string) (Config, error) {
	var cfg Config
	var errs []error
	for _, s := range settings {
		v, set := strings.TrimSpace(getenv(s.Name)), true
		if v == "" {
			v, set = s.Default, false
		}
		if err := s.parse(&cfg, v); err != nil {
			shown := v
			if s.Secret || !set {
				shown = "" // never echo secrets, and defaults are ours
			}
			if shown != "" {
				errs = append(errs, fmt.Errorf("%s=%q: %w", s.Name, shown, err))
			} else {
				errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
			}
		}
	}
	for _, p := range cfg.AIProviders {
		if !cfg.AIConfigured(p) {
			errs = append(errs, fmt.Errorf("THEBRAIN_AI_PROVIDERS: %s is not configured (%s)", p, aiProviderSetting(p)))
		}
	}
	for op, chain := range cfg.AIChains {
		for _, p := range chain {
			if !cfg.AIConfigured(p) {
				errs = append(errs, fmt.Errorf("THEBRAIN_AI_CHAINS: %s names %s, which is not configured (%s)", op, p, aiProviderSetting(p)))
			}
		}
	}
	if cfg.JobsTransport == "sqs" && cfg.SQSQueueURL == "" {
		errs = append(errs, errors.New("THEBRAIN_SQS_QUEUE_URL: required when THEBRAIN_JOBS_TRANSPORT=sqs"))
	}
	if cfg.DatabaseURL != "" && cfg.DatabaseSecretARN == "" && !dbURLHasHost(cfg.DatabaseURL) {
		errs = append(errs, errors.New("THEBRAIN_DATABASE_URL: must be a postgres:// URL with a host"))
	}
	if cfg.RedisSecretARN != "" && cfg.RedisURL == "" {
		errs = append(errs, errors.New("THEBRAIN_REDIS_URL: required with THEBRAIN_REDIS_SECRET_ARN (the secret holds only the AUTH token)"))
	}
	if cfg.Env == "production" {
		if cfg.DatabaseURL == "" && cfg.DatabaseSecretARN == "" {
			errs = append(errs, errors.New("THEBRAIN_DATABASE_URL: required in production (or THEBRAIN_DATABASE_SECRET_ARN)"))
		}
		if cfg.RedisURL == "" {
			errs = append(errs, errors.New("THEBRAIN_REDIS_URL: required in production"))
		}
		if len(cfg.SecretKey) == 0 && cfg.SecretKeySecretARN == "" {
			errs = append(errs, errors.New("THEBRAIN_SECRET_KEY: required in production (or THEBRAIN_SECRET_KEY_SECRET_ARN)"))
		}
		if len(cfg.JWTKeys) == 0 && cfg.JWTKeysSecretARN == "" {
			errs = append(errs, errors.New("THEBRAIN_JWT_KEYS: required in production (or THEBRAIN_JWT_KEYS_SECRET_ARN)"))
		}
	}
	return cfg, errors.Join(errs...)
}

// Set parses value as setting name's, as Load would have: for values read
// from elsewhere than the environment (a secret). The error names the
// setting and never quotes a secret value.
func (c *Config) Set(name, value string) error {
	for _, s := range settings {
		if s.Name != name {
			continue
		}
		if err := s.parse(c, strings.TrimSpace(value)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	return fmt.Errorf("%s: no such setting", name)
}

// SecretARNs lists the secret settings read from Secrets Manager, by the
// name of the setting each ARN stands in for.
func (c Config) SecretARNs() map[string]string {
	out := map[string]string{}
	for name, arn := range map[string]string{
		"THEBRAIN_DATABASE_URL":      c.DatabaseSecretARN,
		"THEBRAIN_REDIS_URL":         c.RedisSecretARN,
		"THEBRAIN_SECRET_KEY":        c.SecretKeySecretARN,
		"THEBRAIN_JWT_KEYS":          c.JWTKeysSecretARN,
		"THEBRAIN_ANTHROPIC_API_KEY": c.AnthropicAPIKeySecretARN,
		"THEBRAIN_OPENAI_API_KEY":    c.OpenAIAPIKeySecretARN,
	} {
		if arn != "" {
			out[name] = arn
		}
	}
	return out
}

// LogValue renders the effective configuration with secrets masked, for the
// start-up log line.
func (c Config) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("env", c.Env),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("data_dir", c.DataDir),
		slog.String("log_format", c.LogFormat),
		slog.String("log_level", c.LogLevel.String()),
		slog.Bool("auto_migrate", c.AutoMigrate),
		slog.String("database_url", MaskURL(c.DatabaseURL)),
		slog.Int("database_max_conns", int(c.DatabaseMaxConns)),
		slog.Duration("database_acquire_timeout", c.DatabaseAcquireTimeout),
		slog.String("postgres_bin_dir", c.PostgresBinDir),
		slog.String("redis_url", MaskURL(c.RedisURL)),
		slog.String("redis_prefix", c.RedisPrefix),
		slog.Bool("secret_key_set", len(c.SecretKey) > 0),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Int64("body_min_rate", c.BodyMinRate),
		slog.Duration("body_grace", c.BodyGrace),
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Duration("read_header_timeout", c.ReadHeaderTimeout),
		slog.Duration("idle_timeout", c.IdleTimeout),
		slog.Int64("max_conns", c.MaxConns),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.String("jwt_audience", c.JWTAudience),
		slog.Int("jwt_keys", len(c.JWTKeys)),
		slog.Bool("jwt_public_keys_set", c.JWTPublicKeys != ""),
		slog.String("password_hash", c.PasswordHash),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.Any("auth_origins", c.AuthOrigins),
		slog.Int("auth_ip_rate", int(c.AuthIPRate)),
		slog.String("jobs_transport", c.JobsTransport),
		slog.Int("jobs_concurrency", int(c.JobsConcurrency)),
		slog.Duration("jobs_lease", c.JobsLease),
		slog.Bool("jobs_in_serve", c.JobsInServe),
		slog.String("worker_addr", c.WorkerAddr),
		slog.String("sqs_queue_url", c.SQSQueueURL),
		slog.String("sqs_endpoint", c.SQSEndpoint),
		slog.String("collab_addr", c.CollabAddr),
		slog.String("s3_bucket", c.S3Bucket),
		slog.String("s3_region", c.S3Region),
		slog.String("s3_endpoint", MaskURL(c.S3Endpoint)),
		slog.String("anthropic_api_key", maskSecret(c.AnthropicAPIKey)),
		slog.String("anthropic_base_url", MaskURL(c.AnthropicBaseURL)),
		slog.String("anthropic_model", c.AnthropicModel),
		slog.String("openai_api_key", maskSecret(c.OpenAIAPIKey)),
		slog.String("openai_base_url", MaskURL(c.OpenAIBaseURL)),
		slog.String("openai_model", c.OpenAIModel),
		slog.Any("ai_providers", c.AIProviders),
		slog.Any("ai_chains", c.AIChains),
		slog.Any("ai_models", c.AIModels),
		slog.Int("ai_hourly_limit", int(c.AIHourlyLimit)),
		slog.Int64("ai_daily_tokens", c.AIDailyTokens),
		slog.Duration("ai_sync_timeout", c.AISyncTimeout),
		slog.Duration("ai_stream_timeout", c.AIStreamTimeout),
		slog.Duration("ai_idle_timeout", c.AIIdleTimeout),
		slog.Duration("ai_attempt_timeout", c.AIAttemptTimeout),
		slog.Duration("ai_cache_ttl", c.AICacheTTL),
		slog.String("database_secret_arn", c.DatabaseSecretARN),
		slog.String("redis_secret_arn", c.RedisSecretARN),
		slog.String("secret_key_secret_arn", c.SecretKeySecretARN),
		slog.String("jwt_keys_secret_arn", c.JWTKeysSecretARN),
		slog.String("anthropic_api_key_secret_arn", c.AnthropicAPIKeySecretARN),
		slog.String("openai_api_key_secret_arn", c.OpenAIAPIKeySecretARN),
		slog.String("secrets_manager_endpoint", c.SecretsManagerEndpoint),
		slog.Int("lambda_database_max_conns", int(c.LambdaDatabaseMaxConns)),
	}
	return slog.GroupValue(attrs...)
}

// AIConfigured reports whether provider p ("anthropic", "openai") has what
// it needs: a key, or for openai a base URL alone (a local server).
func (c Config) AIConfigured(p string) bool {
	switch p {
	case "anthropic":
		return c.AnthropicAPIKey != ""
	case "openai":
		return c.OpenAIAPIKey != "" || c.OpenAIBaseURL != ""
	}
	return false
}

// AIChain is the provider chain of operation op: THEBRAIN_AI_CHAINS's, else
// THEBRAIN_AI_PROVIDERS, else every configured provider, Anthropic first.
func (c Config) AIChain(op string) []string {
	if chain, ok := c.AIChains[op]; ok {
		return chain
	}
	if len(c.AIProviders) > 0 {
		return c.AIProviders
	}
	var out []string
	for _, p := range AIProviderNames {
		if c.AIConfigured(p) {
			out = append(out, p)
		}
	}
	return out
}

// AIModel is the model operation op asks provider p for.
func (c Config) AIModel(op, p string) string {
	if m := c.AIModels[op][p]; m != "" {
		return m
	}
	if p == "anthropic" {
		return c.AnthropicModel
	}
	return c.OpenAIModel
}

func aiProviderSetting(p string) string {
	if p == "anthropic" {
		return "set THEBRAIN_ANTHROPIC_API_KEY"
	}
	return "set THEBRAIN_OPENAI_API_KEY or THEBRAIN_OPENAI_BASE_URL"
}

// maskSecret shows whether a secret is set, never any of it.
func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	return "xxxxx"
}

// MaskURL hides the password of a URL (and the whole value if it does not
// parse, since it may then be anything).
func MaskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func oneOf(dst *string, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			*dst = v
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}

func nonEmpty(dst *string, v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	*dst = v
	return nil
}

func hostPort(dst *string, v string) error {
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return errors.New("must be host:port or :port")
	}
	p, err := strconv.Atoi(v[i+1:])
	if err != nil || p < 0 || p > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	*dst = v
	return nil
}

func boolean(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("must be true or false")
	}
	*dst = b
	return nil
}

func intRange[T int32 | int64](dst *T, v string, lo, hi T) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || T(n) < lo || T(n) > hi || int64(T(n)) != n {
		return fmt.Errorf("must be an integer from %d to %d", lo, hi)
	}
	*dst = T(n)
	return nil
}

func durationRange(dst *time.Duration, v string, lo, hi time.Duration) error {
	if err := duration(dst, v); err != nil {
		return err
	}
	if *dst < lo || *dst > hi {
		return fmt.Errorf("must be from %s to %s", lo, hi)
	}
	return nil
}

func duration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return errors.New("must be a positive duration such as 30s or 2m")
	}
	*dst = d
	return nil
}

func dbURL(dst *string, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New("must be a postgres:// URL with a host")
	}
	*dst = v // the host is checked in Load: the database secret may name it
	return nil
}

// dbURLHasHost reports whether a PostgreSQL URL names a host.
func dbURLHasHost(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Host != "" || u.Query().Get("host") != "")
}

func redisURL(dst *string, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return errors.New("must be a redis:// or rediss:// URL with a host")
	}
	*dst = v
	return nil
}

func secretKey(dst *[]byte, v string) error {
	if v == "" {
		return nil
	}
	b, err := decodeBase64(v)
	if err != nil {
		return errors.New("must be base64")
	}
	if len(b) < 32 {
		return errors.New("must decode to at least 32 bytes")
	}
	*dst = b
	return nil
}

// decodeBase64 accepts what `base64` prints (standard, padded) and the
// unpadded URL-safe form JWK and most key tools print.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
	}
	return b, err
}

// secretARN accepts an AWS Secrets Manager secret ARN
// (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>).
func secretARN(dst *string, v string) error {
	*dst = ""
	if v == "" {
		return nil
	}
	parts := strings.SplitN(v, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "secretsmanager" ||
		parts[3] == "" || parts[4] == "" || parts[5] != "secret" || parts[6] == "" {
		return errors.New("must be a Secrets Manager secret ARN: arn:aws:secretsmanager:<region>:<account>:secret:<name>")
	}
	*dst = v
	return nil
}

func httpURL(dst *string, v string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return errors.New("must be an http:// or https:// URL with a host (no credentials, no query)")
	}
	*dst = strings.TrimSuffix(v, "/")
	return nil
}

// providerList parses "anthropic,openai": known providers, each once.
func providerList(dst *[]string, v string) error {
	*dst = nil
	if strings.TrimSpace(v) == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(AIProviderNames, p) {
			return fmt.Errorf("%q is not a provider (%s)", p, strings.Join(AIProviderNames, ", "))
		}
		if seen[p] {
			return fmt.Errorf("%s is named twice", p)
		}
		seen[p] = true
		*dst = append(*dst, p)
	}
	return nil
}

// aiChains parses "op=provider,provider;op=provider".
func aiChains(dst *map[string][]string, v string) error {
	*dst = nil
	for _, item := range strings.Split(v, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		op, list, ok := strings.Cut(item, "=")
		op = strings.TrimSpace(op)
		if !ok || !slices.Contains(AIOperations, op) {
			return fmt.Errorf("%q: must be operation=provider[,provider], operations %s", item, strings.Join(AIOperations, ", "))
		}
		var chain []string
		if err := providerList(&chain, list); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if len(chain) == 0 {
			return fmt.Errorf("%s: names no provider", op)
		}
		if *dst == nil {
			*dst = map[string][]string{}
		}
		if _, dup := (*dst)[op]; dup {
			return fmt.Errorf("%s is named twice", op)
		}
		(*dst)[op] = chain
	}
	return nil
}

// aiModels parses "op:provider=model,op:provider=model".
func aiModels(dst *map[string]map[string]string, v string) error {
	*dst = nil
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, model, ok := strings.Cut(item, "=")
		op, p, ok2 := strings.Cut(key, ":")
		op, p, model = strings.TrimSpace(op), strings.TrimSpace(p), strings.TrimSpace(model)
		if !ok || !ok2 || !slices.Contains(AIOperations, op) || !slices.Contains(AIProviderNames, p) || model == "" {
			return fmt.Errorf("%q: must be operation:provider=model (operations %s; providers %s)", item,
				strings.Join(AIOperations, ", "), strings.Join(AIProviderNames, ", "))
		}
		if *dst == nil {
			*dst = map[string]map[string]string{}
		}
		if (*dst)[op] == nil {
			(*dst)[op] = map[string]string{}
		}
		(*dst)[op][p] = model
	}
	return nil
}

func origins(dst *[]string, v string) error {
	*dst = nil
	if v == "" {
		return nil
	}
	var bad []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || strings.Contains(o, "*") {
			bad = append(bad, o)
			continue
		}
		*dst = append(*dst, u.Scheme+"://"+u.Host)
	}
	if len(bad) > 0 {
		return fmt.Errorf("not exact origins (scheme://host[:port], no wildcards): %s", strings.Join(bad, ", "))
	}
	return nil
}

// jwtKeys parses "kid:base64-seed[,kid:base64-seed…]".
func jwtKeys(dst *[]JWTKey, v string) error {
	*dst = nil
	if v == "" {
		return nil
	}
	seen := map[string]bool{}
	for i, item := range strings.Split(v, ",") {
		kid, seed, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || kid == "" || len(kid) > 128 {
			return fmt.Errorf("key %d: must be kid:base64-seed", i+1)
		}
		b, err := decodeBase64(seed)
		if err != nil || len(b) != 32 {
			return fmt.Errorf("key %d (%s): the seed must be 32 bytes of base64", i+1, kid)
		}
		if seen[kid] {
			return fmt.Errorf("key %d: duplicate kid %s", i+1, kid)
		}
		seen[kid] = true
		*dst = append(*dst, JWTKey{ID: kid, Seed: b})
	}
	return nil
}

// jwksJSON accepts a JWK set document (checked in full where it is used).
func jwksJSON(dst *string, v string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal([]byte(v), &doc); err != nil || len(doc.Keys) == 0 {
		return errors.New(`must be a JWKS document: {"keys":[...]}`)
	}
	*dst = v
	return nil
}

func prefixes(dst *[]netip.Prefix, v string) error {
	*dst = nil
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return fmt.Errorf("%q is not a CIDR or address", item)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		*dst = append(*dst, p.Masked())
	}
	return nil
}

// bucketName accepts an S3 bucket name: 3–63 lowercase letters, digits,
// dots and hyphens, starting and ending with a letter or digit.
func bucketName(dst *string, v string) error {
	*dst = v
	if v == "" {
		return nil
	}
	ok := len(v) >= 3 && len(v) <= 63
	for i, c := range v {
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '.' && c != '-' || i == 0 || i == len(v)-1) {
			ok = false
		}
	}
	if !ok {
		return errors.New("must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens")
	}
	return nil
}
