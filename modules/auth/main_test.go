package auth

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// cheapArgon keeps tests fast; TestHasherDefaults covers the real defaults.
var cheapArgon = Argon2Params{Memory: 64, Time: 1, Threads: 1}

const (
	testIssuer   = "https://api.thebrain.test"
	testAudience = "thebrain-api"
)

type env struct {
	t    testing.TB
	c    *testkit.Client
	m    *Module
	pool *pgxpool.Pool
	rdb  *redis.Client
	keys redis.Keys
	key  token.Key
	h    http.Handler
}

// newEnv builds the real router with the auth module and its verifier, on
// a private PostgreSQL schema and Redis namespace.
func newEnv(t testing.TB, mutate ...func(*Options)) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	rdb, keys := testkit.Redis(t)
	k, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Argon2: &cheapArgon, BcryptCost: 4, IPRatePerMinute: 10000, IPBurst: 10000, AllowedOrigins: []string{"https://app.thebrain.test"}}
	for _, f := range mutate {
		f(&o)
	}
	secret := []byte(strings.Repeat("s", 32))
	m, err := New(Deps{
		Log: testkit.Logger(t), DB: pool, Redis: rdb, Keys: keys, Cursors: page.NewCodec(secret), Secret: secret,
		SigningKeys: []token.Key{k}, Issuer: testIssuer, Audience: testAudience, Options: o,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{m}, Verifier: m.Verifier()})
	return &env{t: t, c: testkit.Server(t, h), m: m, pool: pool, rdb: rdb, keys: keys, key: k, h: h}
}

var emailSeq atomic.Int64

// uniqueEmail returns a fresh address for name.
func uniqueEmail(name string) string {
	return fmt.Sprintf("%s.%d@example.com", name, emailSeq.Add(1))
}

const goodPassword = "violet-harbour-lantern-42"

// signup creates an account through the API and returns its tokens.
func (e *env) signup(email string) tokenResponse {
	e.t.Helper()
	resp := e.c.Send(http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"email": email, "password": goodPassword, "full_name": "Ada Lovelace"})
	testkit.WantStatus(e.t, resp, http.StatusCreated)
	var tr tokenResponse
	resp.JSON(e.t, &tr)
	return tr
}

func (e *env) login(email, password string) *testkit.Response {
	e.t.Helper()
	return e.c.Send(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
}

func (e *env) refreshBody(rt string) *testkit.Response {
	e.t.Helper()
	return e.c.Send(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": rt})
}

func (e *env) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(e.t.Context(), sql, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return n
}
