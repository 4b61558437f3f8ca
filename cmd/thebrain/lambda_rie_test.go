//go:build linux

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/awsfake"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

// gatewayAnswer is the function's response as API Gateway reads it.
type gatewayAnswer struct {
	events.APIGatewayProxyResponse
	body []byte
}

func (a gatewayAnswer) header(name string) string {
	if v := a.MultiValueHeaders[http.CanonicalHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return a.Headers[http.CanonicalHeaderKey(name)]
}

func (a gatewayAnswer) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
}

func (p *rieProc) call(t testing.TB, e restEvent) gatewayAnswer {
	t.Helper()
	raw := p.invokeJSON(t, e.JSON())
	var a gatewayAnswer
	if err := json.Unmarshal(raw, &a.APIGatewayProxyResponse); err != nil || a.StatusCode == 0 {
		t.Fatalf("not a proxy response: %s (%v)\noutput:\n%s", raw, err, p.out.String())
	}
	a.body = []byte(a.Body)
	if a.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(a.Body)
		if err != nil {
			t.Fatalf("isBase64Encoded body: %v", err)
		}
		a.body = b
	}
	return a
}

func jsonHeaders(token string) map[string][]string {
	h := map[string][]string{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	if token != "" {
		h["Authorization"] = []string{"Bearer " + token}
	}
	return h
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lambdaEnv is the environment of a Lambda function of this test: the
// shared PostgreSQL (its own schema) and Redis (its own prefix), and fixed
// keys shared with the authorizer.
func lambdaEnv(t testing.TB, jwtKeys string) map[string]string {
	t.Helper()
	return map[string]string{
		"THEBRAIN_ENV":           "production",
		"THEBRAIN_DATABASE_URL":  testkit.PostgresURL(t),
		"THEBRAIN_REDIS_URL":     testkit.RedisURL(t),
		"THEBRAIN_REDIS_PREFIX":  fmt.Sprintf("t_lambda_%d_%d:", time.Now().UnixNano(), eventSeq.Add(1)),
		"THEBRAIN_SECRET_KEY":    base64.StdEncoding.EncodeToString(randomBytes(t, 32)),
		"THEBRAIN_JWT_KEYS":      jwtKeys,
		"THEBRAIN_DATA_DIR":      t.TempDir(),
		"THEBRAIN_LOG_FORMAT":    "json",
		"THEBRAIN_PASSWORD_HASH": "bcrypt",
	}
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func newJWTKeys(t testing.TB) string {
	t.Helper()
	seed := randomBytes(t, ed25519.SeedSize)
	return "k1:" + base64.StdEncoding.EncodeToString(seed)
}

// TestLambdaUnderRIE runs the real binary as Lambda does (the runtime
// interface emulator, the custom runtime API) and answers API Gateway REST
// events: the whole path from event JSON to proxy response.
func TestLambdaUnderRIE(t *testing.T) {
	t.Parallel()
	fn := startRIE(t, lambdaEnv(t, newJWTKeys(t))) // no argument: mode from the Lambda environment

	// Sign up, then log in: the tokens come back as JSON.
	creds := map[string]string{"email": "ada@example.com", "password": "lamp room at Orkney, 1893", "full_name": "Ada"}
	a := fn.call(t, restEvent{Method: "POST", Path: "/api/v1/auth/signup", Headers: jsonHeaders(""), Body: mustJSON(t, creds)})
	if a.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %d %s\n%s", a.StatusCode, a.body, fn.out.String())
	}
	a = fn.call(t, restEvent{Method: "POST", Path: "/api/v1/auth/login", Headers: jsonHeaders(""),
		Body: mustJSON(t, map[string]string{"email": creds["email"], "password": creds["password"]})})
	if a.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", a.StatusCode, a.body)
	}
	var tok signedUp
	a.decode(t, &tok)
	if tok.AccessToken == "" {
		t.Fatalf("login answered no token: %s", a.body)
	}

	t.Run("authenticated book read, body sent base64", func(t *testing.T) {
		// A title beyond ASCII, sent as API Gateway sends a binary body.
		title := "Der Leuchtturm — 灯台 🌊"
		a := fn.call(t, restEvent{Method: "POST", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken),
			Body: mustJSON(t, map[string]string{"title": title}), Base64: true})
		if a.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", a.StatusCode, a.body)
		}
		var created struct{ ID string }
		a.decode(t, &created)
		a = fn.call(t, restEvent{Method: "GET", Path: "/api/v1/projects/" + created.ID, Headers: jsonHeaders(tok.AccessToken)})
		if a.StatusCode != http.StatusOK {
			t.Fatalf("read: %d %s", a.StatusCode, a.body)
		}
		var book struct{ Title, Role string }
		a.decode(t, &book)
		if book.Title != title || book.Role != "owner" {
			t.Fatalf("book = %+v, want title %q (byte for byte) and role owner", book, title)
		}
		if a.IsBase64Encoded {
			t.Fatal("a UTF-8 JSON answer must not be base64-encoded")
		}
		if a.header("ETag") == "" || !strings.HasPrefix(a.header("Content-Type"), "application/json") {
			t.Fatalf("headers: %v", a.MultiValueHeaders)
		}
		// Without the token: 401 problem.
		a = fn.call(t, restEvent{Method: "GET", Path: "/api/v1/projects/" + created.ID, Headers: jsonHeaders("")})
		wantGatewayProblem(t, a, http.StatusUnauthorized, "unauthenticated")
	})

	t.Run("multi-value query strings", func(t *testing.T) {
		for _, title := range []string{"Alpha", "Beta", "Gamma"} {
			a := fn.call(t, restEvent{Method: "POST", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken),
				Body: mustJSON(t, map[string]string{"title": title})})
			if a.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d %s", a.StatusCode, a.body)
			}
		}
		// limit given twice: API Gateway passes both values, and the API
		// refuses the ambiguity.
		a := fn.call(t, restEvent{Method: "GET", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken),
			Query: map[string][]string{"limit": {"2", "50"}}})
		p := wantGatewayProblem(t, a, http.StatusBadRequest, "invalid-request")
		if !strings.Contains(p["detail"].(string), "once") {
			t.Fatalf("limit=2&limit=50: %v", p)
		}
		a = fn.call(t, restEvent{Method: "GET", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken),
			Query: map[string][]string{"limit": {"2"}}})
		if a.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %s", a.StatusCode, a.body)
		}
		var page struct {
			Items      []struct{ Title string }
			NextCursor string `json:"next_cursor"`
		}
		a.decode(t, &page)
		if len(page.Items) != 2 || page.NextCursor == "" {
			t.Fatalf("limit=2 gave %d items, cursor %q: %s", len(page.Items), page.NextCursor, a.body)
		}
		// The cursor (base64url, = and + prone) survives the query string.
		a = fn.call(t, restEvent{Method: "GET", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken),
			Query: map[string][]string{"limit": {"2"}, "cursor": {page.NextCursor}}})
		if a.StatusCode != http.StatusOK {
			t.Fatalf("next page: %d %s", a.StatusCode, a.body)
		}
	})

	t.Run("request id is API Gateway's", func(t *testing.T) {
		h := jsonHeaders("")
		h["X-Request-Id"] = []string{"client-chosen"}
		a := fn.call(t, restEvent{Method: "GET", Path: "/api/v1/no-such-route", Headers: h, ID: "gw-req-0001"})
		p := wantGatewayProblem(t, a, http.StatusNotFound, "not-found")
		if a.header("X-Request-Id") != "gw-req-0001" || p["request_id"] != "gw-req-0001" {
			t.Fatalf("request id: header %q, body %v; want API Gateway's gw-req-0001", a.header("X-Request-Id"), p["request_id"])
		}
		if !strings.Contains(fn.out.String(), `"settings":["THEBRAIN_SECRET_KEY","THEBRAIN_JWT_KEYS"`) {
			t.Fatalf("no warning of the plain secrets in the environment:\n%s", fn.out.String())
		}
		// The function's log line travels through the emulator's pipe and may
		// arrive after the answer; wait for it a little.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) &&
			!strings.Contains(fn.out.String(), `"request_id":"gw-req-0001"`); {
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(fn.out.String(), `"request_id":"gw-req-0001"`) {
			t.Fatalf("the log lines do not carry API Gateway's request id:\n%s", fn.out.String())
		}
	})

	t.Run("413 over the body limit", func(t *testing.T) {
		big := mustJSON(t, map[string]string{"title": strings.Repeat("x", 2<<20)})
		a := fn.call(t, restEvent{Method: "POST", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken), Body: big})
		wantGatewayProblem(t, a, http.StatusRequestEntityTooLarge, "too-large")
	})

	t.Run("problem+json on a bad body", func(t *testing.T) {
		a := fn.call(t, restEvent{Method: "POST", Path: "/api/v1/projects", Headers: jsonHeaders(tok.AccessToken), Body: []byte(`{"title":`)})
		wantGatewayProblem(t, a, http.StatusBadRequest, "malformed-json")
		// Bytes that are not UTF-8, flagged binary by API Gateway.
		h := jsonHeaders(tok.AccessToken)
		a = fn.call(t, restEvent{Method: "POST", Path: "/api/v1/projects", Headers: h, Body: []byte{0xff, 0xfe, 0x00, 0x81}, Base64: true})
		if a.StatusCode != http.StatusBadRequest || a.header("Content-Type") != "application/problem+json" {
			t.Fatalf("binary garbage: %d %s", a.StatusCode, a.body)
		}
	})

	t.Run("malformed events never end the process", func(t *testing.T) {
		for name, payload := range map[string][]byte{
			"garbage":           []byte(`}{ not json`),
			"a JSON string":     []byte(`"hello"`),
			"a TOKEN event":     mustJSON(t, map[string]string{"type": "TOKEN", "authorizationToken": "x", "methodArn": methodARN}),
			"an SQS event":      []byte(`{"Records":[{"messageId":"1","body":"x","eventSource":"aws:sqs"}]}`),
			"bad base64 body":   mustJSON(t, map[string]any{"httpMethod": "POST", "path": "/api/v1/projects", "body": "!!!", "isBase64Encoded": true}),
			"wrong field types": []byte(`{"httpMethod":7,"path":["x"]}`),
		} {
			raw := fn.invoke(t, payload)
			var r events.APIGatewayProxyResponse
			if err := json.Unmarshal(raw, &r); err != nil || r.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: answered %s, want a 400 proxy response", name, raw)
			}
			var p map[string]any
			if err := json.Unmarshal([]byte(r.Body), &p); err != nil || p["type"] != httpx.ProblemBase+"invalid-request" {
				t.Fatalf("%s: body %s, want an invalid-request problem", name, r.Body)
			}
		}
		// The same sandbox still serves.
		a := fn.call(t, restEvent{Method: "GET", Path: "/api/v1/auth/me", Headers: jsonHeaders(tok.AccessToken)})
		if a.StatusCode != http.StatusOK {
			t.Fatalf("after malformed events: %d %s", a.StatusCode, a.body)
		}
	})
}

// wantGatewayProblem checks a problem+json proxy response of the slug.
func wantGatewayProblem(t testing.TB, a gatewayAnswer, status int, slug string) map[string]any {
	t.Helper()
	if a.StatusCode != status || a.header("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q %s, want %d problem+json", a.StatusCode, a.header("Content-Type"), a.body, status)
	}
	var p map[string]any
	a.decode(t, &p)
	if p["type"] != httpx.ProblemBase+slug || int(p["status"].(float64)) != status {
		t.Fatalf("problem %v, want %s", p, slug)
	}
	return p
}

// TestAuthorizerUnderRIE runs the same binary as the TOKEN authorizer
// (handler "authorizer") next to the API function, with the public keys
// the API publishes and the Redis denylist the API writes.
func TestAuthorizerUnderRIE(t *testing.T) {
	t.Parallel()
	jwtKeys := newJWTKeys(t)
	env := lambdaEnv(t, jwtKeys)
	api := startRIE(t, env)

	a := api.call(t, restEvent{Method: "GET", Path: "/.well-known/jwks.json"})
	if a.StatusCode != http.StatusOK {
		t.Fatalf("jwks: %d %s", a.StatusCode, a.body)
	}
	authEnv := map[string]string{
		"THEBRAIN_ENV":             "development",
		"THEBRAIN_JWT_PUBLIC_KEYS": string(a.body), // public keys only, as deployed
		"THEBRAIN_REDIS_URL":       env["THEBRAIN_REDIS_URL"],
		"THEBRAIN_REDIS_PREFIX":    env["THEBRAIN_REDIS_PREFIX"],
		"THEBRAIN_DATA_DIR":        t.TempDir(),
		"THEBRAIN_LOG_FORMAT":      "json",
	}
	authz := startRIE(t, authEnv, "authorizer") // the emulator sets _HANDLER=authorizer, as Lambda does

	login := func(email string) signedUp {
		a := api.call(t, restEvent{Method: "POST", Path: "/api/v1/auth/signup", Headers: jsonHeaders(""),
			Body: mustJSON(t, map[string]string{"email": email, "password": "lamp room at Orkney, 1893", "full_name": "Ada"})})
		if a.StatusCode != http.StatusCreated {
			t.Fatalf("signup: %d %s", a.StatusCode, a.body)
		}
		var s signedUp
		a.decode(t, &s)
		return s
	}
	good, revoked := login("ada@example.com"), login("bob@example.com")
	if a := api.call(t, restEvent{Method: "POST", Path: "/api/v1/auth/logout", Headers: jsonHeaders(revoked.AccessToken)}); a.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d %s", a.StatusCode, a.body)
	}
	// A token past its expiry, signed with the right key.
	kid, seed, _ := strings.Cut(jwtKeys, ":")
	raw, _ := base64.StdEncoding.DecodeString(seed)
	iss, err := token.NewIssuer(token.Key{ID: kid, Private: ed25519.NewKeyFromSeed(raw)}, "https://api.thebrain.app", "thebrain-api")
	if err != nil {
		t.Fatal(err)
	}
	expired, _, err := iss.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }).Issue(uuid.New(), uuid.New())
	if err != nil {
		t.Fatal(err)
	}

	tokenEvent := func(authorization string) map[string]string {
		return map[string]string{"type": "TOKEN", "authorizationToken": authorization,
			"methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/api/v1/projects"}
	}
	// Allowed: the whole API, for every later route while API Gateway
	// caches the answer, with the caller in the context.
	out := authz.invokeJSON(t, tokenEvent("Bearer "+good.AccessToken))
	var allow events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(out, &allow); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	var me struct{ ID string }
	if a := api.call(t, restEvent{Method: "GET", Path: "/api/v1/auth/me", Headers: jsonHeaders(good.AccessToken)}); a.StatusCode != http.StatusOK {
		t.Fatalf("me: %d %s", a.StatusCode, a.body)
	} else {
		a.decode(t, &me)
	}
	want := `{"principalId":"` + me.ID + `","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["arn:aws:execute-api:eu-west-1:123456789012:abc123def4/*"]}]}`
	if !strings.HasPrefix(string(out), want) || allow.Context["user_id"] != me.ID || allow.Context["session_id"] == "" {
		t.Fatalf("allow answer:\n%s\nwant it to start with\n%s\nand carry user_id and session_id", out, want)
	}

	unauthorized := `{"errorMessage":"Unauthorized","errorType":"errorString"}`
	for name, payload := range map[string][]byte{
		"expired":           mustJSON(t, tokenEvent("Bearer "+expired)),
		"revoked":           mustJSON(t, tokenEvent("Bearer "+revoked.AccessToken)),
		"garbage token":     mustJSON(t, tokenEvent("Bearer not.a.token")),
		"no scheme":         mustJSON(t, tokenEvent(good.AccessToken+"x")),
		"empty":             mustJSON(t, tokenEvent("")),
		"not an API ARN":    mustJSON(t, map[string]string{"type": "TOKEN", "authorizationToken": "Bearer " + good.AccessToken, "methodArn": "arn:aws:s3:::bucket"}),
		"garbage event":     []byte(`{{{`),
		"a REQUEST event":   mustJSON(t, map[string]any{"type": "REQUEST", "headers": map[string]string{"Authorization": "Bearer " + good.AccessToken}, "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/x"}),
		"wrong field types": []byte(`{"type":"TOKEN","authorizationToken":12}`),
	} {
		if got := authz.invoke(t, payload); string(got) != unauthorized {
			t.Errorf("%s: answered %s, want %s (API Gateway's 401)", name, got, unauthorized)
		}
	}
	// Still the same sandbox, still allowing.
	if out := authz.invokeJSON(t, tokenEvent("Bearer "+good.AccessToken)); !strings.HasPrefix(string(out), want) {
		t.Fatalf("after refusals: %s", out)
	}
}

// BenchmarkLambdaColdStart measures a Lambda cold start as a client of API
// Gateway sees it: from starting the sandbox (the emulator, which starts
// the binary on the first invocation, as Lambda does) to the first answer
// of GET /api/v1/health, with PostgreSQL and Redis already running
// (first-p50-ms, first-p99-ms). Of that, init-p50-ms and init-p99-ms are
// the binary's own init as it logs it ("lambda ready"): configuration,
// pools (each pinged: one connection), Redis, keys, router.
//
// secrets_manager reads the database credentials, the signing keys and the
// secret key from a local Secrets Manager at the cold start (AWS adds its
// round trips, made concurrently, to what is measured here).
func BenchmarkLambdaColdStart(b *testing.B) {
	b.Run("env", func(b *testing.B) {
		benchColdStart(b, lambdaEnv(b, newJWTKeys(b)))
	})
	b.Run("secrets_manager", func(b *testing.B) {
		sm := awsfake.NewSecretsManager()
		defer sm.Close()
		env := awsEnv(lambdaEnv(b, ""), sm)
		dbURL := env["THEBRAIN_DATABASE_URL"]
		pu, _ := url.Parse(dbURL)
		pw, _ := pu.User.Password()
		secret, options := dbSecretJSON(b, dbURL, pw)
		env["THEBRAIN_DATABASE_URL"] = options
		env["THEBRAIN_DATABASE_SECRET_ARN"] = sm.Put("db", secret)
		env["THEBRAIN_JWT_KEYS_SECRET_ARN"] = sm.Put("jwt", newJWTKeys(b))
		env["THEBRAIN_SECRET_KEY_SECRET_ARN"] = sm.Put("key", env["THEBRAIN_SECRET_KEY"])
		delete(env, "THEBRAIN_JWT_KEYS")
		delete(env, "THEBRAIN_SECRET_KEY")
		benchColdStart(b, env)
	})
}

func benchColdStart(b *testing.B, env map[string]string) {
	env["THEBRAIN_LOG_LEVEL"] = "info"
	health := mustJSON(b, restEvent{Method: "GET", Path: "/api/v1/health"}.JSON())
	var first, inits []time.Duration
	b.ResetTimer()
	for b.Loop() {
		fn := startRIE(b, env)
		raw, err := fn.tryInvoke(health, 60*time.Second)
		d := time.Since(fn.started)
		if err != nil || !strings.Contains(string(raw), `"statusCode":200`) {
			b.Fatalf("first answer %s, %v\n%s", raw, err, fn.out.String())
		}
		first = append(first, d)
		b.StopTimer()
		fn.stop()
		var ready struct{ Init time.Duration }
		for _, line := range strings.Split(fn.out.String(), "\n") {
			if strings.Contains(line, `"msg":"lambda ready"`) {
				_ = json.Unmarshal([]byte(line), &ready)
			}
		}
		if ready.Init <= 0 {
			b.Fatalf("no lambda ready line:\n%s", fn.out.String())
		}
		inits = append(inits, ready.Init)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(first)
	slices.Sort(inits)
	b.ReportMetric(testkit.QuantileMs(first, 0.5), "first-p50-ms")
	b.ReportMetric(testkit.QuantileMs(first, 0.99), "first-p99-ms")
	b.ReportMetric(testkit.QuantileMs(inits, 0.5), "init-p50-ms")
	b.ReportMetric(testkit.QuantileMs(inits, 0.99), "init-p99-ms")
	b.ReportMetric(0, "ns/op")
}
