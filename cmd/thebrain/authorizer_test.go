package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

const methodARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/api/v1/auth/me"

// authorizerEvent decodes the JSON API Gateway sends, so the test uses the
// real event shape.
func authorizerEvent(t *testing.T, authorization, arn string) events.APIGatewayCustomAuthorizerRequest {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"type": "TOKEN", "authorizationToken": authorization, "methodArn": arn})
	var ev events.APIGatewayCustomAuthorizerRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestAuthorizer(t *testing.T) {
	t.Parallel()
	rdb, keys := testkit.Redis(t)
	k, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	// The authorizer gets only the public JWKS, as in production.
	set, _ := token.PublicSet(k)
	doc, _ := token.MarshalSet(set)
	cfg := config.Config{JWTPublicKeys: string(doc)}
	pub, err := publicKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	iss, _ := token.NewIssuer(k, "https://api.test", "thebrain-api")
	a := &authorizer{tokens: token.NewVerifier(pub, "https://api.test", "thebrain-api"), deny: authn.NewDenylist(rdb, keys), log: testkit.Logger(t)}

	user, sess, revokedSess, deletedUser := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	mint := func(u, s uuid.UUID) string {
		raw, _, err := iss.Issue(u, s)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	ctx := context.Background()
	if err := a.deny.DenySessions(ctx, revokedSess); err != nil {
		t.Fatal(err)
	}
	if err := a.deny.DenyUser(ctx, deletedUser); err != nil {
		t.Fatal(err)
	}
	other, _ := token.GenerateKey()
	otherIss, _ := token.NewIssuer(other, "https://api.test", "thebrain-api")
	forged, _, _ := otherIss.Issue(user, sess)
	expired, _, _ := iss.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }).Issue(user, sess)

	cases := []struct {
		name, auth, arn string
		allow           bool
	}{
		{"valid", "Bearer " + mint(user, sess), methodARN, true},
		{"scheme in lower case", "bearer " + mint(user, sess), methodARN, true},
		{"revoked session", "Bearer " + mint(user, revokedSess), methodARN, false},
		{"disabled user", "Bearer " + mint(deletedUser, uuid.New()), methodARN, false},
		{"signed by an unknown key", "Bearer " + forged, methodARN, false},
		{"expired", "Bearer " + expired, methodARN, false},
		{"no scheme", mint(user, sess), methodARN, false},
		{"empty", "", methodARN, false},
		{"garbage", "Bearer a.b.c", methodARN, false},
		{"bad method ARN", "Bearer " + mint(user, sess), "arn:aws:s3:::bucket", false},
	}
	for _, c := range cases {
		resp, err := a.authorize(ctx, authorizerEvent(t, c.auth, c.arn))
		if !c.allow {
			if err == nil || err.Error() != "Unauthorized" {
				t.Errorf("%s: err = %v, want Unauthorized", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		st := resp.PolicyDocument.Statement
		if resp.PrincipalID != user.String() || len(st) != 1 || st[0].Effect != "Allow" ||
			len(st[0].Resource) != 1 || st[0].Resource[0] != "arn:aws:execute-api:eu-west-1:123456789012:abc123def4/*" ||
			st[0].Action[0] != "execute-api:Invoke" {
			t.Errorf("%s: policy = %+v", c.name, resp)
		}
		if resp.Context["user_id"] != user.String() || resp.Context["session_id"] != sess.String() {
			t.Errorf("%s: context = %v", c.name, resp.Context)
		}
		// The response must serialise as API Gateway expects.
		out, _ := json.Marshal(resp)
		if !strings.Contains(string(out), `"principalId"`) || !strings.Contains(string(out), `"Resource":["arn:aws:execute-api:eu-west-1:123456789012:abc123def4/*"]`) {
			t.Errorf("%s: JSON = %s", c.name, out)
		}
	}

	// Redis down: fail open on a valid signature (the API re-checks revocation
	// in the database), still refuse bad tokens.
	dead := redis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	down := &authorizer{tokens: a.tokens, deny: authn.NewDenylist(dead, redis.NewKeys("x:")), log: testkit.Logger(t)}
	if _, err := down.authorize(ctx, authorizerEvent(t, "Bearer "+mint(user, sess), methodARN)); err != nil {
		t.Fatalf("Redis down, valid token: %v", err)
	}
	if _, err := down.authorize(ctx, authorizerEvent(t, "Bearer "+forged, methodARN)); err == nil {
		t.Fatal("Redis down, forged token allowed")
	}
}

func TestAuthorizerKeys(t *testing.T) {
	t.Parallel()
	k, _ := token.GenerateKey()
	seed := base64.StdEncoding.EncodeToString(k.Private.Seed())
	getenv := func(m map[string]string) func(string) string { return func(n string) string { return m[n] } }

	cfg, err := config.Load(getenv(map[string]string{"THEBRAIN_JWT_KEYS": k.ID + ":" + seed}))
	if err != nil {
		t.Fatal(err)
	}
	set, err := publicKeys(cfg)
	if err != nil || set.Len() != 1 {
		t.Fatalf("derived set: %v", err)
	}
	got, _ := set.Key(0)
	if kid, _ := got.KeyID(); kid != k.ID {
		t.Fatalf("kid = %s", kid)
	}

	// A private key in the public JWKS is refused.
	priv, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "OKP", "crv": "Ed25519", "kid": "x",
		"x": base64.RawURLEncoding.EncodeToString(k.Private.Public().(ed25519.PublicKey)), "d": base64.RawURLEncoding.EncodeToString(k.Private.Seed())}}})
	if _, err := publicKeys(config.Config{JWTPublicKeys: string(priv)}); err == nil {
		t.Fatal("private JWKS accepted")
	}
	if _, err := publicKeys(config.Config{}); err == nil {
		t.Fatal("an authorizer without keys started")
	}

	// Development: one key is generated and kept in the data directory.
	dir := t.TempDir()
	first, err := signingKeys(config.Config{Env: "development", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	again, err := signingKeys(config.Config{Env: "development", DataDir: dir})
	if err != nil || again[0].ID != first[0].ID || !again[0].Private.Equal(first[0].Private) {
		t.Fatalf("generated key not persisted: %v", err)
	}
	if _, err := signingKeys(config.Config{Env: "production", DataDir: dir}); err == nil {
		t.Fatal("production generated a key")
	}
	for _, bad := range []string{"nokid", "k:notbase64!", "k:" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := config.Load(getenv(map[string]string{"THEBRAIN_JWT_KEYS": bad})); err == nil || strings.Contains(err.Error(), seed) {
			t.Errorf("THEBRAIN_JWT_KEYS=%q: err = %v", bad, err)
		}
	}
}

// TestAuthorizerMode: the mode is reachable by name and, on Lambda, by the
// handler name; it refuses to start without public keys.
func TestAuthorizerMode(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(n string) string { return m[n] } }
	var out strings.Builder
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"extra argument", []string{"thebrain", "authorizer", "now"}, nil, "authorizer takes no arguments"},
		{"by name, no keys", []string{"thebrain", "authorizer"}, map[string]string{}, "THEBRAIN_JWT_PUBLIC_KEYS"},
		{"by Lambda handler, no keys", []string{"thebrain"}, map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1", "_HANDLER": "authorizer"}, "THEBRAIN_JWT_PUBLIC_KEYS"},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, env(c.env), &out, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"thebrain", "help"}, env(nil), &out, &out); err != nil || !strings.Contains(out.String(), "thebrain authorizer") {
		t.Fatalf("help: %v\n%s", err, out.String())
	}
}
