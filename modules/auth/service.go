package auth

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/token"
)

// service holds the rules of accounts and sessions. It takes plain values
// (credentials, the caller's principal, a requestMeta), returns store rows
// or the small values below, and opens every transaction; cookies, origins
// and response bodies are the handlers' business.
type service struct {
	log     *slog.Logger
	pool    *pgxpool.Pool
	q       *store.Queries // on the pool, outside transactions
	rdb     *redis.Client  // grace replies
	keys    redis.Keys
	cursors *page.Codec
	issuer  *token.Issuer
	deny    *authn.Denylist
	hash    *hasher
	limit   *limiter
	grace   cipher.AEAD // seals refresh grace replies
	// now is the clock: sessions, grace windows, account locks and tokens
	// all read it.
	now func() time.Time
}

// newService builds the service from the module's dependencies and its
// options with their defaults filled in.
func newService(d Deps, o Options) (*service, error) {
	h, err := newHasher(o.PasswordHash, *o.Argon2, o.BcryptCost, o.HashWorkers, o.HashDuty)
	if err != nil {
		return nil, err
	}
	iss, err := token.NewIssuer(d.SigningKeys[0], d.Issuer, d.Audience)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, d.Secret)
	mac.Write([]byte("thebrain auth: refresh grace replies"))
	grace, err := newGraceAEAD(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	q := store.New(d.DB)
	return &service{
		log: d.Log, pool: d.DB, q: q, rdb: d.Redis, keys: d.Keys, cursors: d.Cursors,
		issuer: iss.WithClock(o.Now),
		deny:   authn.NewDenylist(d.Redis, d.Keys).WithLog(revocationLog{q: q}).WithClock(o.Now),
		hash:   h, limit: newLimiter(d.Redis, d.Keys, o), grace: grace, now: o.Now,
	}, nil
}

// account is a user as the API shows them.
type account struct {
	ID        uuid.UUID
	Email     string
	FullName  string
	CreatedAt time.Time
}

func accountOf(u store.User) account {
	return account{ID: u.ID, Email: u.Email, FullName: u.FullName, CreatedAt: u.CreatedAt}
}

// requestMeta is what the audit trail and the sessions list record about a
// caller: never a full IPv6 address, never anything secret.
type requestMeta struct {
	ipBucket  string
	userAgent string
}

// AllowAttempt spends one attempt of action (signup, login) from the
// per-IP bucket of a caller (limitIPBeforeBody, before the body is read).
func (s *service) AllowAttempt(ctx context.Context, action, bucket string) error {
	return s.limit.allowIP(ctx, action, bucket)
}

// CheckSession implements authn.SessionChecker from the database: the
// Verifier asks it when Redis cannot answer, and every 30 s per session.
func (s *service) CheckSession(ctx context.Context, userID, sessionID uuid.UUID) error {
	st, err := s.q.GetSessionState(ctx, sessionID)
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
	case !s.now().Before(st.AbsoluteExpiresAt):
		return revokedErr("session expired")
	}
	return nil
}

func revokedErr(why string) error { return authn.Unauthenticated(errors.New(why)) }

// revokeSessions ends sessions in one transaction: revoke picks them (and
// may change more in the same transaction), their refresh tokens are
// revoked with them, and a record of each revocation is added to the
// revocation log. After the commit their access tokens go on the denylist.
// It returns the sessions ended.
func (s *service) revokeSessions(ctx context.Context, revoke func(q *store.Queries) ([]uuid.UUID, error)) ([]uuid.UUID, error) {
	var revoked []uuid.UUID
	var logged []store.RevocationOutbox
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		var err error
		if revoked, err = revoke(q); err != nil {
			return err
		}
		if err := q.RevokeRefreshTokensBySessions(ctx, revoked); err != nil {
			return err
		}
		if len(revoked) == 0 {
			return nil
		}
		logged, err = q.RecordSessionRevocations(ctx, revoked)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.deliverRevocations(ctx, logged)
	return revoked, nil
}

// deliverRevocations puts committed revocations on the denylist. This
// process refuses the tokens at once whatever happens; if Redis fails, the
// records stay in the revocation log and the drain delivers them to every
// process (docs/auth.md gives the bound). The failure is logged, not
// returned: the revocation itself is done.
func (s *service) deliverRevocations(ctx context.Context, logged []store.RevocationOutbox) {
	if len(logged) == 0 {
		return
	}
	if err := s.deny.Deliver(context.WithoutCancel(ctx), toRevocations(logged)); err != nil {
		s.log.WarnContext(ctx, "denylist write failed; the revocation log keeps it until the drain delivers it",
			slog.Int("revocations", len(logged)), slog.String("error", err.Error()))
	}
}

// audit records an event. It runs outside the request's transaction so a
// failure that rolls the request back is still recorded; losing an audit
// row is logged, never fatal to the request.
func (s *service) audit(ctx context.Context, kind string, userID, sessionID *uuid.UUID, canonical string, meta requestMeta, detail string) {
	err := s.q.CreateAuthEvent(context.WithoutCancel(ctx), store.CreateAuthEventParams{
		ID: uuid.Must(uuid.NewV7()), UserID: userID, SessionID: sessionID, Kind: kind,
		EmailCanonical: canonical, IpPrefix: meta.ipBucket, UserAgent: meta.userAgent, Detail: detail,
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.ErrorContext(ctx, "write auth event", slog.String("kind", kind), slog.String("error", err.Error()))
	}
}
