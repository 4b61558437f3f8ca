// Package authtest gives the tests of other modules real accounts, made
// with the auth module's own queries, and the auth module itself where a
// test needs what it offers (the user directory, the verifier of its
// tokens). Tests never write or read the auth tables themselves.
package authtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth"
	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

// unusableHash is a password hash no password matches: accounts made here
// cannot log in (tests of login go through the auth module's routes).
const unusableHash = "!"

// User adds an account named name (its email is name@example.test, in
// lower case) and returns it with an access token that testkit.Verifier
// accepts.
func User(t testing.TB, pool *pgxpool.Pool, name string) testkit.TestUser {
	t.Helper()
	email := strings.ToLower(name) + "@example.test"
	id := create(t, store.New(pool), email, name)
	return testkit.TestUser{ID: id, Email: email, Token: testkit.Token(t, id)}
}

// Users adds n accounts named prefix1 … prefixN (emails
// prefix1@example.test …) and returns their ids, in that order: the
// crowds of query-plan tests and benchmarks.
func Users(t testing.TB, pool *pgxpool.Pool, prefix string, n int) []uuid.UUID {
	t.Helper()
	q := store.New(pool)
	ids := make([]uuid.UUID, n)
	for i := range n {
		name := fmt.Sprintf("%s%d", prefix, i+1)
		ids[i] = create(t, q, strings.ToLower(name)+"@example.test", name)
	}
	return ids
}

func create(t testing.TB, q *store.Queries, email, name string) uuid.UUID {
	t.Helper()
	u, err := q.CreateUser(context.Background(), store.CreateUserParams{
		ID: uuid.Must(uuid.NewV7()), Email: email, EmailCanonical: email, PasswordHash: unusableHash, FullName: name,
	})
	if err != nil {
		t.Fatalf("authtest: create user %s: %v", email, err)
	}
	return u.ID
}

// Disable disables the account id: it is no longer found by email nor
// shown by name. (auth.Module.DisableUser also revokes its tokens.)
func Disable(t testing.TB, pool *pgxpool.Pool, id uuid.UUID) {
	t.Helper()
	if err := store.New(pool).DisableUser(context.Background(), id); err != nil {
		t.Fatalf("authtest: disable user: %v", err)
	}
}

// Issuer and audience of the tokens of New's module.
const (
	issuer   = "https://authtest.thebrain.test"
	audience = "thebrain-api"
)

// Accounts is the auth module over one test database, with a signing key
// of its own, so that tests can give its accounts live sessions.
type Accounts struct {
	mod      *auth.Module
	q        *store.Queries
	issuer   *token.Issuer
	verifier *token.Verifier
}

// New builds the auth module over pool (a testkit.Postgres schema) and a
// testkit.Redis namespace, hashing cheaply.
func New(t testing.TB, pool *pgxpool.Pool) *Accounts {
	t.Helper()
	rdb, keys := testkit.Redis(t)
	key, err := token.GenerateKey()
	if err != nil {
		t.Fatalf("authtest: signing key: %v", err)
	}
	secret := []byte("authtest-secret-authtest-secret-0123456789")
	mod, err := auth.New(auth.Deps{
		Log: testkit.Logger(t), DB: pool, Redis: rdb, Keys: keys, Cursors: page.NewCodec(secret), Secret: secret,
		SigningKeys: []token.Key{key}, Issuer: issuer, Audience: audience,
		Options: auth.Options{Argon2: &auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, BcryptCost: 4, HashWorkers: 1},
	})
	if err != nil {
		t.Fatalf("authtest: auth module: %v", err)
	}
	iss, err := token.NewIssuer(key, issuer, audience)
	if err != nil {
		t.Fatalf("authtest: issuer: %v", err)
	}
	set, err := token.PublicSet(key)
	if err != nil {
		t.Fatalf("authtest: public keys: %v", err)
	}
	return &Accounts{mod: mod, q: store.New(pool), issuer: iss, verifier: token.NewVerifier(set, issuer, audience)}
}

// Module is the auth module itself: its LookupEmail and Profiles are the
// user directory other modules ask, its Verifier checks the tokens of
// SignIn as production does.
func (a *Accounts) Module() *auth.Module { return a.mod }

// SignatureVerifier checks the signature and claims of the module's tokens,
// without a cache and without asking whether the session is live.
func (a *Accounts) SignatureVerifier() *token.Verifier { return a.verifier }

// SignIn starts a session of user, lasting a day, and returns an access
// token of it that the module's Verifier accepts.
func (a *Accounts) SignIn(t testing.TB, user uuid.UUID) string {
	t.Helper()
	now := time.Now()
	s, err := a.q.CreateSession(context.Background(), store.CreateSessionParams{
		ID: uuid.Must(uuid.NewV7()), UserID: user, LastRefreshedAt: now,
		IdleExpiresAt: now.Add(24 * time.Hour), AbsoluteExpiresAt: now.Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatalf("authtest: create session: %v", err)
	}
	raw, _, err := a.issuer.Issue(user, s.ID)
	if err != nil {
		t.Fatalf("authtest: issue token: %v", err)
	}
	return raw
}

// PendingRevocations counts the revocations in the revocation log that
// have not reached Redis yet (the drain deletes them once they have).
func PendingRevocations(t testing.TB, pool *pgxpool.Pool) int {
	t.Helper()
	pending, err := store.New(pool).ListPendingRevocations(context.Background(), 1000)
	if err != nil {
		t.Fatalf("authtest: pending revocations: %v", err)
	}
	return len(pending)
}
