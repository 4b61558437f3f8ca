package testkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/token"
)

// Issuer and audience of test tokens.
const (
	TokenIssuer   = "https://test.thebrain.app"
	TokenAudience = "thebrain-api"
)

var (
	keyOnce  sync.Once
	issuer   *token.Issuer
	verifier *token.Verifier
	keyErr   error
)

func testKeys(t testing.TB) (*token.Issuer, *token.Verifier) {
	t.Helper()
	keyOnce.Do(func() {
		k, err := token.GenerateKey()
		if err != nil {
			keyErr = err
			return
		}
		set, err := token.PublicSet(k)
		if err != nil {
			keyErr = err
			return
		}
		issuer, keyErr = token.NewIssuer(k, TokenIssuer, TokenAudience)
		verifier = token.NewVerifier(set, TokenIssuer, TokenAudience)
	})
	if keyErr != nil {
		t.Fatalf("testkit: token keys: %v", keyErr)
	}
	return issuer, verifier
}

// Verifier returns an authn.Verifier that checks real signed access tokens
// (signature, claims, expiry) minted by Token. It does not consult session
// revocation, which the auth module adds on top.
func Verifier(t testing.TB) authn.Verifier {
	_, v := testKeys(t)
	return signatureVerifier{v}
}

type signatureVerifier struct{ v *token.Verifier }

func (s signatureVerifier) Verify(ctx context.Context, raw string) (authn.Principal, error) {
	c, err := s.v.Verify(ctx, raw)
	if err != nil {
		return authn.Principal{}, authn.Unauthenticated(err)
	}
	return authn.Principal{UserID: c.UserID, SessionID: c.SessionID, Expires: c.Expiry}, nil
}

// Token mints an access token for userID in a new session.
func Token(t testing.TB, userID uuid.UUID) string {
	t.Helper()
	iss, _ := testKeys(t)
	raw, _, err := iss.Issue(userID, uuid.New())
	if err != nil {
		t.Fatalf("testkit: issue token: %v", err)
	}
	return raw
}

// TokenUntil mints an access token for userID in session sessionID that
// expires at exp (issued one token lifetime before it), for tests of what
// happens when a token runs out.
func TokenUntil(t testing.TB, userID, sessionID uuid.UUID, exp time.Time) string {
	t.Helper()
	iss, _ := testKeys(t)
	raw, _, err := iss.WithClock(func() time.Time { return exp.Add(-iss.Lifetime()) }).Issue(userID, sessionID)
	if err != nil {
		t.Fatalf("testkit: issue token: %v", err)
	}
	return raw
}

// TestUser is an account of a test with an access token that Verifier
// accepts. The auth module's fixtures make them (authtest.User): the
// platform does not write the auth module's tables.
type TestUser struct {
	ID    uuid.UUID
	Email string
	Token string
}
