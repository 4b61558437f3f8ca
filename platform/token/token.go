// Package token issues and verifies access tokens: JWTs signed with EdDSA
// (Ed25519) through lestrrat-go/jwx v3. The Issuer holds the private key;
// a Verifier holds only public keys (a JWK set keyed by kid), so the Lambda
// authorizer and the API can verify without being able to mint.
//
// Verification pins the algorithm, requires the key ID to be in the
// configured set (keys embedded in the token, jku and x5u are never used),
// requires every claim and the "at+jwt" type, and allows 30 s of clock skew.
package token

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// Defaults of the access token.
const (
	Type     = "at+jwt"
	Lifetime = 15 * time.Minute
	Skew     = 30 * time.Second
	// MaxLen bounds what a verifier will even try to parse.
	MaxLen = 4096
)

// Claims are the verified contents of an access token.
type Claims struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	ID        string // jti
	IssuedAt  time.Time
	Expiry    time.Time
}

// ErrInvalid is returned for every token that does not verify. Callers
// answer 401 without saying why.
var ErrInvalid = errors.New("invalid access token")

// Key is an Ed25519 signing key with its key ID.
type Key struct {
	ID      string
	Private ed25519.PrivateKey
}

// GenerateKey returns a fresh key with a random kid.
func GenerateKey() (Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, err
	}
	return Key{ID: uuid.NewString(), Private: priv}, nil
}

// PublicSet returns the JWK set of the public halves of keys, as served at
// /.well-known/jwks.json.
func PublicSet(keys ...Key) (jwk.Set, error) {
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := jwk.Import(k.Private.Public())
		if err != nil {
			return nil, fmt.Errorf("import public key %s: %w", k.ID, err)
		}
		for name, v := range map[string]any{jwk.KeyIDKey: k.ID, jwk.AlgorithmKey: jwa.EdDSA(), jwk.KeyUsageKey: "sig"} {
			if err := pub.Set(name, v); err != nil {
				return nil, err
			}
		}
		if err := set.AddKey(pub); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// Issuer signs access tokens with one key.
type Issuer struct {
	key      jwk.Key
	issuer   string
	audience string
	lifetime time.Duration
	now      func() time.Time
}

// NewIssuer returns an issuer signing with k for the given iss and aud.
func NewIssuer(k Key, issuer, audience string) (*Issuer, error) {
	priv, err := jwk.Import(k.Private)
	if err != nil {
		return nil, fmt.Errorf("import signing key: %w", err)
	}
	if err := priv.Set(jwk.KeyIDKey, k.ID); err != nil {
		return nil, err
	}
	if err := priv.Set(jwk.AlgorithmKey, jwa.EdDSA()); err != nil {
		return nil, err
	}
	return &Issuer{key: priv, issuer: issuer, audience: audience, lifetime: Lifetime, now: time.Now}, nil
}

// WithClock returns a copy of i that reads the time from now (tests).
func (i *Issuer) WithClock(now func() time.Time) *Issuer {
	c := *i
	c.now = now
	return &c
}

// Lifetime is how long issued tokens are valid.
func (i *Issuer) Lifetime() time.Duration { return i.lifetime }

// Issue signs a token for user in session.
func (i *Issuer) Issue(userID, sessionID uuid.UUID) (string, Claims, error) {
	now := i.now().UTC().Truncate(time.Second)
	c := Claims{UserID: userID, SessionID: sessionID, ID: uuid.NewString(), IssuedAt: now, Expiry: now.Add(i.lifetime)}
	tok, err := jwt.NewBuilder().
		Issuer(i.issuer).
		Audience([]string{i.audience}).
		Subject(userID.String()).
		JwtID(c.ID).
		IssuedAt(now).
		NotBefore(now).
		Expiration(c.Expiry).
		Claim("sid", sessionID.String()).
		Build()
	if err != nil {
		return "", Claims{}, fmt.Errorf("build token: %w", err)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.TypeKey, Type); err != nil {
		return "", Claims{}, err
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.EdDSA(), i.key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", Claims{}, fmt.Errorf("sign token: %w", err)
	}
	return string(signed), c, nil
}

// Verifier checks tokens against a set of public keys.
type Verifier struct {
	set      jwk.Set
	issuer   string
	audience string
	now      func() time.Time
	cache    *verifiedCache // nil: verify every time
}

// NewVerifier returns a verifier trusting every key in set (several during
// a rotation) for tokens of issuer and audience.
func NewVerifier(set jwk.Set, issuer, audience string) *Verifier {
	return &Verifier{set: set, issuer: issuer, audience: audience, now: time.Now}
}

// WithClock returns a copy of v that reads the time from now (tests).
func (v *Verifier) WithClock(now func() time.Time) *Verifier {
	c := *v
	c.now = now
	return &c
}

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// Verify checks raw and returns its claims, or ErrInvalid wrapping the
// reason (for logs only).
func (v *Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	if len(raw) == 0 || len(raw) > MaxLen {
		return Claims{}, ErrInvalid
	}
	if c, hit, err := v.cachedVerify(raw); hit {
		return c, err
	}
	// The type lives in the protected header, which jwt.Parse does not
	// check; read it first from the compact form without trusting anything
	// else in it.
	msg, err := jws.ParseString(raw)
	if err != nil || len(msg.Signatures()) != 1 {
		return Claims{}, fmt.Errorf("%w: not a compact JWS", ErrInvalid)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if typ, _ := hdr.Type(); typ != Type {
		return Claims{}, fmt.Errorf("%w: typ %q", ErrInvalid, typ)
	}
	if alg, ok := hdr.Algorithm(); !ok || alg.String() != jwa.EdDSA().String() {
		return Claims{}, fmt.Errorf("%w: alg not EdDSA", ErrInvalid)
	}
	tok, err := jwt.ParseString(raw,
		jwt.WithKeySet(v.set, jws.WithRequireKid(true), jws.WithInferAlgorithmFromKey(false), jws.WithUseDefault(false)),
		jwt.WithValidate(true),
		jwt.WithContext(ctx),
		jwt.WithClock(clockFunc(v.now)),
		jwt.WithAcceptableSkew(Skew),
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.audience),
		jwt.WithRequiredClaim("sub"),
		jwt.WithRequiredClaim("sid"),
		jwt.WithRequiredClaim("jti"),
		jwt.WithRequiredClaim("iat"),
		jwt.WithRequiredClaim("nbf"),
		jwt.WithRequiredClaim("exp"),
	)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	c, err := claimsOf(tok)
	if err == nil && v.cache != nil {
		nbf, _ := tok.NotBefore()
		v.cache.put(raw, cached{claims: c, notBefore: nbf})
	}
	return c, err
}

func claimsOf(tok jwt.Token) (Claims, error) {
	var c Claims
	sub, _ := tok.Subject()
	uid, err := uuid.Parse(sub)
	if err != nil {
		return c, fmt.Errorf("%w: sub is not a UUID", ErrInvalid)
	}
	var sidRaw string
	if err := tok.Get("sid", &sidRaw); err != nil {
		return c, fmt.Errorf("%w: sid: %v", ErrInvalid, err)
	}
	sid, err := uuid.Parse(sidRaw)
	if err != nil {
		return c, fmt.Errorf("%w: sid is not a UUID", ErrInvalid)
	}
	c.UserID, c.SessionID = uid, sid
	c.ID, _ = tok.JwtID()
	c.IssuedAt, _ = tok.IssuedAt()
	c.Expiry, _ = tok.Expiration()
	return c, nil
}

// MarshalSet renders set as the JWKS document.
func MarshalSet(set jwk.Set) ([]byte, error) { return json.Marshal(set) }
