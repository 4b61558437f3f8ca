// Package auth owns accounts and sign-in: signup, login, refresh-token
// rotation with reuse detection, logout, sessions, password change, the
// JWKS document, the audit trail and brute-force limits.
//
// Tables: users, sessions, refresh_tokens, auth_events, revocation_outbox
// (revocations on their way to Redis). Redis keys: the session/user
// denylist with its index and pub/sub channel (shared with platform/authn
// and the Lambda authorizer), refresh grace replies (grace.go), rate-limit
// buckets and account locks (ratelimit.go). Passwords are hashed in a
// bounded, paced pool (password.go) with the argon2id of
// internal/argon2id.
//
// Routes: /api/v1/auth/{signup,login,refresh,logout,me,sessions,password}
// and /.well-known/jwks.json. Offers (exports.go): the revocation-aware
// Verifier every route's authn middleware uses, a user directory
// (LookupEmail, Profiles) for projects and chapters, DisableUser, and
// FollowRevocations, the background work a long-running server runs to keep
// the denylist in memory. It asks nothing of other modules, and other
// modules never read its tables.
package auth

import (
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/platform/authn"
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
	// Now is the module's clock (tests move it).
	Now func() time.Time
}

// DefaultHashDuty is Options.HashDuty's default: see docs/perf.md, "Login
// storm", for the measurements behind it.
const DefaultHashDuty = 0.8

// withDefaults fills in the zero fields, and refuses values out of range.
func (o Options) withDefaults() (Options, error) {
	if o.PasswordHash == "" {
		o.PasswordHash = "argon2id"
	}
	if o.Argon2 == nil {
		o.Argon2 = &OWASPArgon2
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = BcryptCost
	}
	if o.IPRatePerMinute <= 0 {
		o.IPRatePerMinute = defaultIPRatePerMinute
	}
	if o.IPBurst <= 0 {
		o.IPBurst = defaultIPBurst
	}
	if o.FreeFailures <= 0 {
		o.FreeFailures = defaultFreeFailures
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.HashDuty == 0:
		o.HashDuty = DefaultHashDuty
	case o.HashDuty < 0 || o.HashDuty > 1:
		return o, errors.New("auth: HashDuty must be in (0, 1]")
	}
	return o, nil
}

// Deps are the module's dependencies.
type Deps struct {
	// Log receives what the module does not answer with: audit and
	// denylist write failures, refused stored hashes, rehash failures.
	Log *slog.Logger
	DB  *pgxpool.Pool
	// Redis holds the denylist, grace replies and rate limits, under Keys.
	Redis *redis.Client
	Keys  redis.Keys
	// Cursors signs the sessions list's cursors; shared by every module.
	Cursors *page.Codec
	// Secret keys the encryption of refresh replies kept in Redis.
	Secret []byte
	// SigningKeys: the first signs, all verify (rotation overlap).
	SigningKeys []token.Key
	Issuer      string
	Audience    string
	Options     Options
}

// Module is the auth module.
type Module struct {
	svc *service
	// verifier checks access tokens on every route (exports.go).
	verifier *authn.RevocationVerifier
	// jwks is the JWK set document of the verifying keys.
	jwks []byte
	// ips and origins are what the handlers need to know about callers:
	// their address for limits and the audit, the origins that may call.
	ips     clientIPs
	origins map[string]bool
}

// New builds the module. It fails on unusable keys or options.
func New(d Deps) (*Module, error) {
	if len(d.SigningKeys) == 0 {
		return nil, errors.New("auth: no signing key")
	}
	if len(d.Secret) < 32 {
		return nil, errors.New("auth: secret must be at least 32 bytes")
	}
	o, err := d.Options.withDefaults()
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
	svc, err := newService(d, o)
	if err != nil {
		return nil, err
	}
	tokens := token.NewVerifier(set, d.Issuer, d.Audience).WithClock(o.Now).WithCache(verifiedTokenCache)
	m := &Module{
		svc:      svc,
		verifier: authn.NewRevocationVerifier(tokens, svc.deny, svc, d.Log),
		jwks:     jwks,
		ips:      clientIPs{trusted: o.TrustedProxies},
		origins:  map[string]bool{},
	}
	for _, origin := range o.AllowedOrigins {
		m.origins[origin] = true
	}
	return m, nil
}

// Name implements module.Module.
func (m *Module) Name() string { return "auth" }

// Routes implements module.Module. Signup and login spend the caller's
// per-IP attempt before their body is read (limitIPBeforeBody); refresh and
// password change spend it in the service. The rest need a signed-in user.
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
