//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/awsfake"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/testkit"
)

// awsEnv is what Lambda gives every function: a region and the execution
// role's temporary credentials; the endpoint points the SDK at the fake.
func awsEnv(env map[string]string, sm *awsfake.SecretsManager) map[string]string {
	env["AWS_REGION"] = awsfake.Region
	env["AWS_ACCESS_KEY_ID"] = "ASIATESTTESTTESTTEST"
	env["AWS_SECRET_ACCESS_KEY"] = "test-secret-access-key"
	env["AWS_SESSION_TOKEN"] = "test-session-token"
	env["THEBRAIN_SECRETS_MANAGER_ENDPOINT"] = sm.URL()
	return env
}

// dbSecretJSON is the RDS secret format for the database of url.
func dbSecretJSON(t testing.TB, dbURL, password string) (secret string, options string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"username": u.User.Username(), "password": password, "host": u.Hostname(), "port": u.Port(),
		"dbname": strings.TrimPrefix(u.Path, "/"), "engine": "postgres",
	})
	// What stays in THEBRAIN_DATABASE_URL: options only, no host, no password.
	return string(b), (&url.URL{Scheme: "postgres", Path: "/", RawQuery: u.RawQuery}).String()
}

func wantNoSecretInLogs(t testing.TB, logs string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(logs, v) {
			t.Fatalf("a secret value appears in the logs:\n%s", logs)
		}
	}
}

// TestLambdaSecretsUnderRIE: every secret comes from Secrets Manager at
// the cold start, by ARN: the database credentials (RDS JSON), the Redis
// AUTH token, the signing keys and the secret key. Nothing secret is in
// the function's environment or its logs.
func TestLambdaSecretsUnderRIE(t *testing.T) {
	t.Parallel()
	sm := awsfake.NewSecretsManager()
	defer sm.Close()

	dbURL := testkit.PostgresURL(t)
	pu, _ := url.Parse(dbURL)
	dbPassword, ok := pu.User.Password()
	if !ok {
		dbPassword = "db-" + hex.EncodeToString(randomBytes(t, 12)) // a server that trusts; the value still travels
	}
	dbSecret, dbOptions := dbSecretJSON(t, dbURL, dbPassword)
	rdb, err := redis.StartEmbedded() // password-protected, like ElastiCache with AUTH
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ru, _ := url.Parse(rdb.URL())
	redisToken, _ := ru.User.Password()
	ru.User = nil
	jwtSeed := base64.StdEncoding.EncodeToString(randomBytes(t, 32))
	secretKey := base64.StdEncoding.EncodeToString(randomBytes(t, 32))

	env := awsEnv(map[string]string{
		"THEBRAIN_ENV":                   "production",
		"THEBRAIN_DATABASE_URL":          dbOptions,
		"THEBRAIN_DATABASE_SECRET_ARN":   sm.Put("thebrain/db", dbSecret),
		"THEBRAIN_REDIS_URL":             ru.String(),
		"THEBRAIN_REDIS_SECRET_ARN":      sm.Put("thebrain/redis", redisToken),
		"THEBRAIN_JWT_KEYS_SECRET_ARN":   sm.Put("thebrain/jwt", "from-the-secret:"+jwtSeed),
		"THEBRAIN_SECRET_KEY_SECRET_ARN": sm.Put("thebrain/secret-key", secretKey),
		"THEBRAIN_DATA_DIR":              t.TempDir(),
		"THEBRAIN_LOG_FORMAT":            "json",
		"THEBRAIN_LOG_LEVEL":             "debug",
		"THEBRAIN_PASSWORD_HASH":         "bcrypt",
	}, sm)
	fn := startRIE(t, env)

	a := fn.call(t, restEvent{Method: "GET", Path: "/api/v1/health"})
	if a.StatusCode != http.StatusOK || !strings.Contains(string(a.body), `"redis":"ok"`) || !strings.Contains(string(a.body), `"database":"ok"`) {
		t.Fatalf("health: %d %s\n%s", a.StatusCode, a.body, fn.out.String())
	}
	a = fn.call(t, restEvent{Method: "POST", Path: "/api/v1/auth/signup", Headers: jsonHeaders(""),
		Body: mustJSON(t, map[string]string{"email": "ada@example.com", "password": "lamp room at Orkney, 1893", "full_name": "Ada"})})
	if a.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %d %s", a.StatusCode, a.body)
	}
	// The signing key is the secret's.
	a = fn.call(t, restEvent{Method: "GET", Path: "/.well-known/jwks.json"})
	if !strings.Contains(string(a.body), `"kid":"from-the-secret"`) {
		t.Fatalf("jwks %s: want the key from the secret", a.body)
	}
	// Read once, at the cold start, then from memory.
	if n := sm.Calls("GetSecretValue"); n != 4 {
		t.Fatalf("%d GetSecretValue calls, want 4 (one per secret, at the cold start)", n)
	}
	logs := fn.out.String()
	if !strings.Contains(logs, "secrets read from Secrets Manager") {
		t.Fatalf("no log line of the secrets read:\n%s", logs)
	}
	wantNoSecretInLogs(t, logs, dbPassword, redisToken, jwtSeed, secretKey)
}

// rawInvoke posts payload to the emulator and returns whatever it answers.
func (p *rieProc) rawInvoke(t testing.TB, payload []byte) (int, []byte) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Post(p.url, "application/json", bytes.NewReader(payload))
		if err == nil {
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLambdaSecretUnreadable: a secret that cannot be read fails the cold
// start with a message naming its ARN, for each way it can fail.
func TestLambdaSecretUnreadable(t *testing.T) {
	t.Parallel()
	sm := awsfake.NewSecretsManager()
	defer sm.Close()
	good := sm.Put("thebrain/jwt", "k1:"+base64.StdEncoding.EncodeToString(randomBytes(t, 32)))
	denied := sm.Put("thebrain/denied", "k1:"+base64.StdEncoding.EncodeToString(randomBytes(t, 32)))
	sm.Deny("thebrain/denied")
	badValue := sm.Put("thebrain/not-keys", "this is not a key list, and it is secret")
	missing := "arn:aws:secretsmanager:us-east-1:000000000000:secret:thebrain/missing-Zx81Qa"
	for name, tc := range map[string]struct{ arn, want string }{
		"missing":         {missing, "ResourceNotFoundException"},
		"not allowed":     {denied, "AccessDeniedException"},
		"not a key list":  {badValue, "THEBRAIN_JWT_KEYS: key 1: must be kid:base64-seed"},
		"service failing": {good, "InternalServiceError"},
	} {
		t.Run(name, func(t *testing.T) {
			fake := sm
			if name == "service failing" {
				fake = awsfake.NewSecretsManager()
				defer fake.Close()
				fake.SetDown(true)
			}
			env := awsEnv(lambdaEnv(t, ""), fake)
			delete(env, "THEBRAIN_JWT_KEYS")
			env["THEBRAIN_JWT_KEYS_SECRET_ARN"] = tc.arn
			fn := startRIE(t, env)
			_, answer := fn.rawInvoke(t, mustJSON(t, restEvent{Method: "GET", Path: "/api/v1/health"}.JSON()))
			if strings.Contains(string(answer), `"statusCode"`) {
				t.Fatalf("the function served without its secret: %s", answer)
			}
			logs := fn.out.String()
			want := "thebrain: configuration: secret " + tc.arn
			if !strings.Contains(logs, want) || !strings.Contains(logs, tc.want) {
				t.Fatalf("output:\n%s\nwant %q and %q", logs, want, tc.want)
			}
			wantNoSecretInLogs(t, logs, "it is secret")
		})
	}
}

// TestLambdaDatabasePasswordRotation: the password is rotated (in
// PostgreSQL and in the secret) while a sandbox is warm. Its connection
// breaks; the next connection, with the cached password, is refused
// (28P01); the function re-reads the secret once and connects with the new
// one. The requests in between answer a retryable 503, never a crash.
func TestLambdaDatabasePasswordRotation(t *testing.T) {
	t.Parallel()
	pg := testkit.PrivatePostgres(t) // password authentication (scram-sha-256)
	u, _ := url.Parse(pg.URL())
	oldPassword, _ := u.User.Password()
	sm := awsfake.NewSecretsManager()
	defer sm.Close()
	secret, options := dbSecretJSON(t, pg.URL(), oldPassword)
	env := awsEnv(lambdaEnv(t, newJWTKeys(t)), sm)
	env["THEBRAIN_DATABASE_URL"] = options
	env["THEBRAIN_DATABASE_SECRET_ARN"] = sm.Put("thebrain/db", secret)
	fn := startRIE(t, env)

	a := fn.call(t, restEvent{Method: "POST", Path: "/api/v1/auth/signup", Headers: jsonHeaders(""),
		Body: mustJSON(t, map[string]string{"email": "ada@example.com", "password": "lamp room at Orkney, 1893", "full_name": "Ada"})})
	if a.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %d %s\n%s", a.StatusCode, a.body, fn.out.String())
	}
	var tok signedUp
	a.decode(t, &tok)

	// Rotate, as Secrets Manager's rotation function does: the database
	// first, then the secret. Then end the function's sessions.
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	newPassword := "rotated-" + hex.EncodeToString(randomBytes(t, 12))
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{u.User.Username()}.Sanitize(), newPassword)); err != nil {
		t.Fatal(err)
	}
	newSecret, _ := dbSecretJSON(t, pg.URL(), newPassword)
	sm.Put("thebrain/db", newSecret)
	fetchesBefore := sm.Calls("GetSecretValue")
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'thebrain%' AND pid <> pg_backend_pid()"); err != nil {
		t.Fatal(err)
	}

	var statuses []int
	for range 6 {
		a := fn.call(t, restEvent{Method: "GET", Path: "/api/v1/auth/me", Headers: jsonHeaders(tok.AccessToken)})
		statuses = append(statuses, a.StatusCode)
		if a.StatusCode == http.StatusOK {
			break
		}
		if a.StatusCode != http.StatusServiceUnavailable || a.header("Retry-After") == "" {
			t.Fatalf("during the rotation: %d %s, want 503 with Retry-After", a.StatusCode, a.body)
		}
	}
	if statuses[len(statuses)-1] != http.StatusOK || len(statuses) > 3 {
		t.Fatalf("statuses after the rotation %v: want 200 by the third request\n%s", statuses, fn.out.String())
	}
	if n := sm.Calls("GetSecretValue") - fetchesBefore; n != 1 {
		t.Fatalf("%d re-reads of the secret, want 1", n)
	}
	// Still good a while later, without further reads.
	for range 3 {
		if a := fn.call(t, restEvent{Method: "GET", Path: "/api/v1/auth/me", Headers: jsonHeaders(tok.AccessToken)}); a.StatusCode != http.StatusOK {
			t.Fatalf("after the rotation: %d %s", a.StatusCode, a.body)
		}
	}
	logs := fn.out.String()
	if !strings.Contains(logs, "the secret has new credentials") {
		t.Fatalf("no log line of the refresh:\n%s", logs)
	}
	wantNoSecretInLogs(t, logs, oldPassword, newPassword)
}
