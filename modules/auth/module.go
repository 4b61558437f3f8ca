// Package auth owns accounts and sign-in: signup, login, refresh-token
// rotation with reuse detection, logout, sessions, password change, the
// JWKS document, the audit trail and brute-force limits.
//
// Tables: users, sessions, refresh_tokens, auth_events, revocation_outbox
// (revocations on their way to Redis). Redis keys: the
// session/user denylist with its index and pub/sub channel (shared with
// platform/authn and the Lambda authorizer), refresh grace replies,
// rate-limit buckets and account locks. Background work: FollowRevocations,
// which a long-running server runs to keep the denylist in memory.
// Passwords are hashed in a bounded, paced pool (password.go) with the
// argon2id of internal/argon2id.
// Other modules never read these tables; they get profiles through
// LookupEmail and Profiles, and the caller through platform/authn.
package auth

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/token"
)

// Options tune the module; the zero value of each field picks the default.
type Options struct {
	// PasswordHash is "argon2id" (default) or "bcrypt" for new hashes. Both
	// are always accepted for existing hashes; weaker ones are rehashed at
	// login.
	PasswordHash string
	// Argon2 overrides the OWASP parameters. Only tests should set it.
	Argon2 *Argon2Params
	// BcryptCost overrides BcryptCost. Only tests should set it.
	BcryptCost int
	// HashWorkers bounds concurrent hashes (default GOMAXPROCS-1, min 1).
	HashWorkers int
	// HashDuty is the share of time each pool slot may spend computing
	// argon2id (0 < d <= 1, default DefaultHashDuty): after each burst of
	// about 0.15 ms the hash rests burst*(1-d)/d. That caps the CPU a
	// never-ending login storm can take, and keeps every burst short enough
	// not to delay other requests. 1 computes each hash in one go.
	HashDuty float64
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// AllowedOrigins may call the cookie-based endpoints (besides the API's
	// own origin).
	AllowedOrigins []string
	// IPRatePerMinute and IPBurst limit signup, login, refresh and password
	// change per client IP and action (default 30 per minute, burst 10).
	IPRatePerMinute int
	IPBurst         int
	// FreeFailures is how many failed logins an account gets before the
	// exponential lock starts (default 5).
	FreeFailures int
	// Now is the clock (tests).
	Now func() time.Time
}

// Session lifetimes (ASVS 7.1.1: documented in docs/auth.md).
const (
	sessionAbsolute = 30 * 24 * time.Hour
	sessionIdle     = 7 * 24 * time.Hour
	refreshGrace    = 10 * time.Second
	// maxBody caps every auth body before anything is hashed.
	maxBody = 16 << 10
	// verifiedTokenCache is how many verified access tokens the verifier
	// remembers (about 0.5 KiB each) so a signature is checked once per
	// token, not once per request.
	verifiedTokenCache = 20000
)

// Deps are the module's dependencies.
type Deps struct {
	Log     *slog.Logger
	DB      *pgxpool.Pool
	Redis   *redis.Client
	Keys    redis.Keys
	Cursors *page.Codec
	// Secret keys the encryption of refresh replies kept in Redis.
	Secret []byte
	// SigningKeys: the first signs, all verify (rotation overlap).
	SigningKeys []token.Key
	Issuer      string
	Audience    string
	Options     Options
}

// DefaultHashDuty is Options.HashDuty's default: see docs/perf.md, "Login
// storm", for the measurements behind it.
const DefaultHashDuty = 0.8

// Module is the auth module.
type Module struct {
	log      *slog.Logger
	pool     *pgxpool.Pool
	q        *store.Queries
	rdb      *redis.Client
	keys     redis.Keys
	cursors  *page.Codec
	issuer   *token.Issuer
	tokens   *token.Verifier
	jwks     []byte
	deny     *authn.Denylist
	verifier *authn.RevocationVerifier
	hash     *hasher
	limit    *limiter
	ips      clientIPs
	origins  map[string]bool
	grace    cipher.AEAD // seals refresh grace replies
	now      func() time.Time
}

// New builds the module. It fails on unusable keys or options.
func New(d Deps) (*Module, error) {
	o := d.Options
	if len(d.SigningKeys) == 0 {
		return nil, errors.New("auth: no signing key")
	}
	if len(d.Secret) < 32 {
		return nil, errors.New("auth: secret must be at least 32 bytes")
	}
	if o.PasswordHash == "" {
		o.PasswordHash = "argon2id"
	}
	argon := OWASPArgon2
	if o.Argon2 != nil {
		argon = *o.Argon2
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = BcryptCost
	}
	if o.IPRatePerMinute <= 0 {
		o.IPRatePerMinute = 30
	}
	if o.IPBurst <= 0 {
		o.IPBurst = 10
	}
	if o.FreeFailures <= 0 {
		o.FreeFailures = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.HashDuty == 0:
		o.HashDuty = DefaultHashDuty
	case o.HashDuty < 0 || o.HashDuty > 1:
		return nil, errors.New("auth: HashDuty must be in (0, 1]")
	}
	h, err := newHasher(o.PasswordHash, argon, o.BcryptCost, o.HashWorkers, o.HashDuty)
	if err != nil {
		return nil, err
	}
	iss, err := token.NewIssuer(d.SigningKeys[0], d.Issuer, d.Audience)
	if err != nil {
		return nil, err
	}
	set, err := token.PublicSet(d.SigningKeys...)
	if err != nil {
		return nil, err
	}
	jwks, err := token.MarshalSet(set)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, d.Secret)
	mac.Write([]byte("thebrain auth: refresh grace replies"))
	grace, err := newGraceAEAD(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	m := &Module{
		log: d.Log, pool: d.DB, q: store.New(d.DB), rdb: d.Redis, keys: d.Keys, cursors: d.Cursors,
		issuer: iss.WithClock(o.Now), tokens: token.NewVerifier(set, d.Issuer, d.Audience).WithClock(o.Now).WithCache(verifiedTokenCache),
		jwks: jwks, hash: h, limit: newLimiter(d.Redis, d.Keys, o),
		ips: clientIPs{trusted: o.TrustedProxies}, origins: map[string]bool{}, grace: grace, now: o.Now,
	}
	for _, origin := range o.AllowedOrigins {
		m.origins[origin] = true
	}
	m.deny = authn.NewDenylist(d.Redis, d.Keys).WithLog(revocationLog{q: m.q}).WithClock(o.Now)
	m.verifier = authn.NewRevocationVerifier(m.tokens, m.deny, m, d.Log)
	return m, nil
}

// Name implements module.Module.
func (m *Module) Name() string { return "auth" }

// Verifier is the revocation-aware verifier the server must use: logout,
// session revocation, password change and disabled accounts take effect on
// every route (docs/auth.md, "Sessions and revocation", gives the bounds).
func (m *Module) Verifier() authn.Verifier { return m.verifier }

// Routes implements module.Module.
func (m *Module) Routes(r chi.Router) {
	r.Route("/auth", func(r chi.Router) {
		r.With(m.limitIPBeforeBody("signup")).Post("/signup", httpx.Handle(m.handleSignup))
		r.With(m.limitIPBeforeBody("login")).Post("/login", httpx.Handle(m.handleLogin))
		r.Post("/refresh", httpx.Handle(m.handleRefresh))
		r.Group(func(r chi.Router) {
			r.Use(authn.Require)
			r.Post("/logout", httpx.Handle(m.handleLogout))
			r.Get("/me", httpx.Handle(m.handleMe))
			r.Get("/sessions", httpx.Handle(m.handleListSessions))
			r.Delete("/sessions/{session_id}", httpx.Handle(m.handleRevokeSession))
			r.Post("/password", httpx.Handle(m.handleChangePassword))
		})
	})
}

// RootRoutes implements module.RootRouter.
func (m *Module) RootRoutes(r chi.Router) {
	r.Get("/.well-known/jwks.json", m.handleJWKS)
}

// handleJWKS handles GET /.well-known/jwks.json.
func (m *Module) handleJWKS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age=600")
	_, _ = w.Write(m.jwks)
}

// PublicKeys returns the JWK set that verifies this module's tokens.
func (m *Module) PublicKeys() (jwk.Set, error) { return jwk.Parse(m.jwks) }

// CheckSession implements authn.SessionChecker from the database.
func (m *Module) CheckSession(ctx context.Context, userID, sessionID uuid.UUID) error {
	st, err := m.q.GetSessionState(ctx, sessionID)
	if db.IsNoRows(err) {
		return revokedErr("no such session")
	}
	if err != nil {
		return err
	}
	switch {
	case st.UserID != userID:
		return revokedErr("session of another user")
	case st.RevokedAt != nil:
		return revokedErr("session revoked")
	case st.DisabledAt != nil || st.DeletedAt != nil:
		return revokedErr("user disabled or deleted")
	case !m.now().Before(st.AbsoluteExpiresAt):
		return revokedErr("session expired")
	}
	return nil
}

func revokedErr(why string) error { return authn.Unauthenticated(errors.New(why)) }

// LookupEmail canonicalises email exactly as signup and login do and
// returns the live user; NotFound when there is none.
func (m *Module) LookupEmail(ctx context.Context, email string) (authn.UserProfile, error) {
	_, canonical, problem := canonicalEmail(email)
	if problem != "" {
		return authn.UserProfile{}, apperr.Field("email", problem)
	}
	u, err := m.q.GetLiveUserByEmailCanonical(ctx, canonical)
	if db.IsNoRows(err) {
		return authn.UserProfile{}, apperr.New(apperr.NotFound, "no account with this email")
	}
	if err != nil {
		return authn.UserProfile{}, err
	}
	return authn.UserProfile{ID: u.ID, Email: u.Email, FullName: u.FullName}, nil
}

// Profiles returns the live users among ids in one query; missing ones are
// absent from the map.
func (m *Module) Profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error) {
	out := make(map[uuid.UUID]authn.UserProfile, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	users, err := m.q.ListLiveUsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.ID] = authn.UserProfile{ID: u.ID, Email: u.Email, FullName: u.FullName}
	}
	return out, nil
}

// FollowRevocations keeps this process's copy of the token denylist
// current until ctx ends, so the Verifier answers without a round trip to
// Redis, and drains the revocation log (see authn.Denylist.Follow).
// Long-running servers call it in a goroutine; without it every check asks
// Redis and drains during token checks.
func (m *Module) FollowRevocations(ctx context.Context) { m.deny.Follow(ctx, m.log) }

// DenylistLive reports whether token checks currently answer from this
// process's copy of the denylist (see authn.Denylist.Live).
func (m *Module) DenylistLive() bool { return m.deny.Live() }

// DisableUser disables an account and makes its tokens stop working (an
// operator action; there is no HTTP route for it yet). The revocation is
// recorded in the same transaction, so it reaches every process even if
// Redis fails now.
func (m *Module) DisableUser(ctx context.Context, id uuid.UUID) error {
	var logged store.RevocationOutbox
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := q.DisableUser(ctx, id); err != nil {
			return err
		}
		var err error
		logged, err = q.RecordUserRevocation(ctx, &id)
		return err
	})
	if err != nil {
		return err
	}
	m.deliverRevocations(ctx, []store.RevocationOutbox{logged})
	return nil
}
