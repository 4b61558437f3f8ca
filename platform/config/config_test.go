package config_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":8080" || cfg.DataDir != "./.thebrain" || cfg.DatabaseURL != "" || cfg.RedisURL != "" ||
		cfg.RequestTimeout != 30*time.Second || cfg.MaxBodyBytes != 4<<20 || !cfg.AutoMigrate || cfg.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{
		"THEBRAIN_DATABASE_URL":     "mysql://user:hunter2@db/x",
		"THEBRAIN_REDIS_URL":        "not a url",
		"THEBRAIN_REQUEST_TIMEOUT":  "soon",
		"THEBRAIN_HTTP_ADDR":        "localhost",
		"THEBRAIN_CORS_ORIGINS":     "https://ok.example, *",
		"THEBRAIN_LOG_FORMAT":       "xml",
		"THEBRAIN_MAX_BODY_BYTES":   "12",
		"THEBRAIN_SECRET_KEY":       "c2hvcnQ=",
		"THEBRAIN_SHUTDOWN_TIMEOUT": "-1s",
	}))
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	for _, name := range []string{"THEBRAIN_DATABASE_URL", "THEBRAIN_REDIS_URL", "THEBRAIN_REQUEST_TIMEOUT", "THEBRAIN_HTTP_ADDR",
		"THEBRAIN_CORS_ORIGINS", "THEBRAIN_LOG_FORMAT", "THEBRAIN_MAX_BODY_BYTES", "THEBRAIN_SECRET_KEY", "THEBRAIN_SHUTDOWN_TIMEOUT"} {
		if !strings.Contains(msg, name) {
			t.Errorf("error does not name %s:\n%s", name, msg)
		}
	}
	if strings.Contains(msg, "hunter2") || strings.Contains(msg, "c2hvcnQ") {
		t.Errorf("error echoes a secret:\n%s", msg)
	}
	if n := strings.Count(msg, "\n") + 1; n != 9 {
		t.Errorf("%d lines, want one per bad variable:\n%s", n, msg)
	}
}

func TestProductionRequiresExternalBackends(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{"THEBRAIN_ENV": "production"}))
	for _, name := range []string{"THEBRAIN_DATABASE_URL", "THEBRAIN_REDIS_URL", "THEBRAIN_SECRET_KEY"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("production without %s accepted: %v", name, err)
		}
	}
}

func TestOriginsAreExact(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{"THEBRAIN_CORS_ORIGINS": "https://app.example.com, http://localhost:3000/"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.CORSOrigins) != 2 || cfg.CORSOrigins[0] != "https://app.example.com" || cfg.CORSOrigins[1] != "http://localhost:3000" {
		t.Fatalf("origins %v", cfg.CORSOrigins)
	}
	for _, bad := range []string{"https://*.example.com", "app.example.com", "https://a.example/path", "ftp://x"} {
		if _, err := config.Load(env(map[string]string{"THEBRAIN_CORS_ORIGINS": bad})); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{
		"THEBRAIN_DATABASE_URL": "postgres://app:hunter2@db.internal:5432/brain",
		"THEBRAIN_REDIS_URL":    "redis://:s3cret@cache:6379/0",
		"THEBRAIN_SECRET_KEY":   "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", slog.Any("config", cfg))
	out := b.String()
	for _, secret := range []string{"hunter2", "s3cret", "MDEyMzQ1"} {
		if strings.Contains(out, secret) {
			t.Errorf("logged config contains %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db.internal") {
		t.Errorf("masked URL lost its host: %s", out)
	}
}

func TestEverySettingDocumented(t *testing.T) {
	t.Parallel()
	for _, s := range config.Settings() {
		if !strings.HasPrefix(s.Name, "THEBRAIN_") || s.Help == "" {
			t.Errorf("setting %+v needs the THEBRAIN_ prefix and help text", s.Name)
		}
	}
}

// TestAIProviders: a key enables a provider, a base URL alone enables the
// OpenAI-compatible one, the default chain is every configured provider
// with Anthropic first, and per-operation chains and models override.
func TestAIProviders(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.AIChain("expand")) != 0 {
		t.Fatalf("no provider configured, chain %v", cfg.AIChain("expand"))
	}

	cfg, err = config.Load(env(map[string]string{"THEBRAIN_OPENAI_BASE_URL": "http://localhost:11434/v1/"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.AIChain("rewrite"); len(got) != 1 || got[0] != "openai" || cfg.OpenAIBaseURL != "http://localhost:11434/v1" {
		t.Fatalf("base URL alone: chain %v, base %q", got, cfg.OpenAIBaseURL)
	}

	cfg, err = config.Load(env(map[string]string{
		"THEBRAIN_OPENAI_API_KEY": "sk-o", "THEBRAIN_ANTHROPIC_API_KEY": "sk-a",
		"THEBRAIN_AI_CHAINS": "consistency=openai,anthropic; draft=anthropic",
		"THEBRAIN_AI_MODELS": "draft:anthropic=claude-opus-4-6, summarize:openai=gpt-5.4-nano",
	}))
	if err != nil {
		t.Fatal(err)
	}
	for op, want := range map[string]string{"expand": "anthropic,openai", "consistency": "openai,anthropic", "draft": "anthropic"} {
		if got := strings.Join(cfg.AIChain(op), ","); got != want {
			t.Errorf("chain of %s = %s, want %s", op, got, want)
		}
	}
	if cfg.AIModel("draft", "anthropic") != "claude-opus-4-6" || cfg.AIModel("draft", "openai") != "gpt-5.4-mini" ||
		cfg.AIModel("summarize", "openai") != "gpt-5.4-nano" || cfg.AIModel("expand", "anthropic") != "claude-sonnet-4-6" {
		t.Fatalf("models: %v", cfg.AIModels)
	}

	_, err = config.Load(env(map[string]string{
		"THEBRAIN_AI_PROVIDERS": "anthropic,gemini", "THEBRAIN_AI_CHAINS": "poetry=openai", "THEBRAIN_AI_MODELS": "draft=x",
		"THEBRAIN_ANTHROPIC_BASE_URL": "ftp://x",
	}))
	for _, want := range []string{"THEBRAIN_AI_PROVIDERS", "THEBRAIN_AI_CHAINS", "THEBRAIN_AI_MODELS", "THEBRAIN_ANTHROPIC_BASE_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	_, err = config.Load(env(map[string]string{"THEBRAIN_AI_PROVIDERS": "anthropic"}))
	if err == nil || !strings.Contains(err.Error(), "THEBRAIN_ANTHROPIC_API_KEY") {
		t.Fatalf("a chain naming an unconfigured provider: %v", err)
	}
}

// TestAIKeysMasked: the keys never reach the start-up log line.
func TestAIKeysMasked(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{"THEBRAIN_OPENAI_API_KEY": "sk-openai-Zq81", "THEBRAIN_ANTHROPIC_API_KEY": "sk-ant-Wp22"}))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("starting", slog.Any("config", cfg))
	if strings.Contains(b.String(), "Zq81") || strings.Contains(b.String(), "Wp22") || !strings.Contains(b.String(), `"openai_api_key":"xxxxx"`) {
		t.Fatalf("log line: %s", b.String())
	}
}

func TestS3Settings(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{
		"THEBRAIN_S3_BUCKET": "thebrain-files.eu", "THEBRAIN_S3_REGION": "eu-west-1", "THEBRAIN_S3_ENDPOINT": "http://127.0.0.1:9000/",
	}))
	if err != nil || cfg.S3Bucket != "thebrain-files.eu" || cfg.S3Region != "eu-west-1" || cfg.S3Endpoint != "http://127.0.0.1:9000" {
		t.Fatalf("cfg = %+v, %v", cfg, err)
	}
	for _, bad := range []string{"ab", "Upper", "-lead", "trail-", "under_score", strings.Repeat("a", 64)} {
		if _, err := config.Load(env(map[string]string{"THEBRAIN_S3_BUCKET": bad})); err == nil || !strings.Contains(err.Error(), "THEBRAIN_S3_BUCKET") {
			t.Errorf("bucket %q: %v", bad, err)
		}
	}
	if _, err := config.Load(env(map[string]string{"THEBRAIN_S3_ENDPOINT": "s3.local"})); err == nil {
		t.Error("an endpoint without a scheme")
	}
}
