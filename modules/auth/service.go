package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
)

// errBadCredentials is the one answer to every failed login: unknown email,
// wrong password, disabled account. Same status, body and headers.
var errBadCredentials = &apperr.Error{Kind: apperr.Unauthenticated, Slug: "invalid-credentials", Detail: "the email or password is incorrect"}

// errEmailTaken is what signup says about an address in use. Signup returns
// tokens, so it cannot pretend to succeed; the same answer comes after the
// same hashing work as a success, and the per-IP limit bounds probing.
var errEmailTaken = &apperr.Error{Kind: apperr.Conflict, Detail: "an account cannot be created with this email",
	Fields: map[string]string{"email": "cannot be used"}}

// requestMeta is what the audit trail and the sessions list record about a
// caller: never a full IPv6 address, never anything secret.
type requestMeta struct {
	ipBucket  string
	userAgent string
}

func (m *Module) meta(r *http.Request) requestMeta {
	ua := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || invisible(r) {
			return -1
		}
		return r
	}, r.UserAgent())
	if utf8.RuneCountInString(ua) > 512 {
		ua = string([]rune(ua)[:512])
	}
	return requestMeta{ipBucket: bucket(m.ips.addr(r)), userAgent: ua}
}

// signup creates the account and its first session. The per-IP limit was
// spent before the body was read (limitIPBeforeBody).
func (m *Module) signup(ctx context.Context, req signupRequest, meta requestMeta) (tokenResponse, error) {
	if p := passwordProblem(req.Password, req.canonical, m.hash.algo == "bcrypt"); p != "" {
		return tokenResponse{}, apperr.Field("password", p)
	}
	hash, err := m.hash.Hash(ctx, normalizePassword(req.Password))
	if err != nil {
		return tokenResponse{}, err
	}
	var resp tokenResponse
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		u, err := q.CreateUser(ctx, store.CreateUserParams{
			ID: uuid.Must(uuid.NewV7()), Email: req.typed, EmailCanonical: req.canonical, PasswordHash: hash, FullName: req.FullName,
		})
		if db.IsUniqueViolation(err, "users_email_canonical_key") {
			return errEmailTaken
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		resp, err = m.startSession(ctx, q, u, meta)
		return err
	})
	if err != nil {
		return tokenResponse{}, err
	}
	m.audit(ctx, "signup", &resp.User.ID, nil, req.canonical, meta, "")
	return m.withAccessToken(resp)
}

// login checks the credentials. Limits come first (no hashing for a locked
// account or a flooding IP: the per-IP limit was spent before the body was
// read, in limitIPBeforeBody); the hasher runs exactly once on every path
// that gets past them, against a dummy hash when the account does not exist.
func (m *Module) login(ctx context.Context, req loginRequest, meta requestMeta) (tokenResponse, error) {
	_, canonical, problem := canonicalEmail(req.Email)
	if problem != "" {
		canonical = strings.ToLower(strings.TrimSpace(req.Email)) // still throttled and hashed like any other miss
	}
	if err := m.limit.checkAccount(ctx, canonical); err != nil {
		if apperr.Is(err, apperr.RateLimited) {
			m.audit(ctx, "login_rate_limited", nil, nil, canonical, meta, "")
		}
		return tokenResponse{}, err
	}
	pw := normalizePassword(req.Password)
	u, err := m.q.GetUserByEmailCanonical(ctx, canonical)
	if err != nil && !db.IsNoRows(err) {
		return tokenResponse{}, fmt.Errorf("find user: %w", err)
	}
	found := err == nil
	stored := ""
	if found {
		stored = u.PasswordHash
	}
	if m.hash.algo == "bcrypt" && len(pw) > bcryptMaxBytes {
		stored = "" // refused like a wrong password, after the same work
	}
	ok, rehash, err := m.hash.Verify(ctx, stored, pw)
	failure := ""
	if errors.Is(err, errResetRequired) {
		// A wrong password to the client, after the same work (the dummy
		// hash): the answer says nothing about the account. The operator
		// learns from the log and the audit trail that it needs a reset.
		m.log.WarnContext(ctx, "stored password hash refused", slog.String("user_id", u.ID.String()), slog.String("error", err.Error()))
		ok, err, failure = false, nil, errResetRequired.Error()
	}
	if err != nil {
		return tokenResponse{}, err
	}
	if !ok || !found || u.DisabledAt != nil {
		if ferr := m.limit.failed(ctx, canonical); ferr != nil {
			m.log.WarnContext(ctx, "record failed login", slog.String("error", ferr.Error()))
		}
		var uid *uuid.UUID
		if found {
			uid = &u.ID
		}
		m.audit(ctx, "login_failed", uid, nil, canonical, meta, failure)
		return tokenResponse{}, errBadCredentials
	}
	if err := m.limit.succeeded(ctx, canonical); err != nil {
		m.log.WarnContext(ctx, "clear failed logins", slog.String("error", err.Error()))
	}
	if rehash {
		m.rehash(ctx, u, pw, meta)
	}
	var resp tokenResponse
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		resp, err = m.startSession(ctx, store.New(tx), u, meta)
		return err
	})
	if err != nil {
		return tokenResponse{}, err
	}
	sid := resp.sessionID()
	m.audit(ctx, "login_succeeded", &u.ID, &sid, canonical, meta, "")
	return m.withAccessToken(resp)
}

// rehash upgrades a weaker stored hash after a successful login. A failure
// only delays the upgrade to the next login.
func (m *Module) rehash(ctx context.Context, u store.User, pw string, meta requestMeta) {
	h, err := m.hash.Hash(ctx, pw)
	if err == nil {
		err = m.q.UpdateUserPasswordHash(ctx, store.UpdateUserPasswordHashParams{ID: u.ID, PasswordHash: h, OldHash: u.PasswordHash})
	}
	if err != nil {
		m.log.WarnContext(ctx, "rehash password", slog.String("error", err.Error()))
		return
	}
	m.audit(ctx, "password_rehashed", &u.ID, nil, "", meta, m.hash.algo)
}

// changePassword checks the current password, stores the new one and
// revokes every other session of the user.
func (m *Module) changePassword(ctx context.Context, userID, sessionID uuid.UUID, req changePasswordRequest, meta requestMeta) error {
	if err := m.limit.allowIP(ctx, "password", meta.ipBucket); err != nil {
		return err
	}
	u, err := m.q.GetLiveUserByID(ctx, userID)
	if db.IsNoRows(err) {
		return revokedErr("user gone")
	}
	if err != nil {
		return fmt.Errorf("find user: %w", err)
	}
	if err := m.limit.checkAccount(ctx, u.EmailCanonical); err != nil {
		return err
	}
	if p := passwordProblem(req.NewPassword, u.EmailCanonical, m.hash.algo == "bcrypt"); p != "" {
		return apperr.Field("new_password", p)
	}
	ok, _, err := m.hash.Verify(ctx, u.PasswordHash, normalizePassword(req.CurrentPassword))
	if errors.Is(err, errResetRequired) {
		// The caller is signed in as this user, so saying so leaks nothing;
		// a "wrong password" would send them round in circles.
		m.log.WarnContext(ctx, "stored password hash refused", slog.String("user_id", u.ID.String()), slog.String("error", err.Error()))
		m.audit(ctx, "login_failed", &u.ID, &sessionID, u.EmailCanonical, meta, "password change: "+errResetRequired.Error())
		return apperr.Wrap(apperr.Conflict, "the stored password cannot be checked; it must be reset", err)
	}
	if err != nil {
		return err
	}
	if !ok {
		_ = m.limit.failed(ctx, u.EmailCanonical)
		m.audit(ctx, "login_failed", &u.ID, &sessionID, u.EmailCanonical, meta, "password change")
		return apperr.Field("current_password", "is incorrect")
	}
	hash, err := m.hash.Hash(ctx, normalizePassword(req.NewPassword))
	if err != nil {
		return err
	}
	revoked, err := m.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		if err := q.UpdateUserPassword(ctx, store.UpdateUserPasswordParams{ID: u.ID, PasswordHash: hash}); err != nil {
			return nil, fmt.Errorf("update password: %w", err)
		}
		reason := "password changed"
		return q.RevokeOtherSessionsByUser(ctx, store.RevokeOtherSessionsByUserParams{UserID: u.ID, ID: sessionID, RevokedReason: &reason})
	})
	if err != nil {
		return err
	}
	m.audit(ctx, "password_changed", &u.ID, &sessionID, "", meta, fmt.Sprintf("%d other sessions revoked", len(revoked)))
	return nil
}

// revokeSessions ends sessions in one transaction: revoke picks them (and
// may change more in the same transaction), their refresh tokens are
// revoked with them, and a record of each revocation is added to the
// revocation log. After the commit their access tokens go on the denylist.
// It returns the sessions ended.
func (m *Module) revokeSessions(ctx context.Context, revoke func(q *store.Queries) ([]uuid.UUID, error)) ([]uuid.UUID, error) {
	var revoked []uuid.UUID
	var logged []store.RevocationOutbox
	err := db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
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
	m.deliverRevocations(ctx, logged)
	return revoked, nil
}

// deliverRevocations puts committed revocations on the denylist. This
// process refuses the tokens at once whatever happens; if Redis fails, the
// records stay in the revocation log and the drain delivers them to every
// process (docs/auth.md gives the bound). The failure is logged, not
// returned: the revocation itself is done.
func (m *Module) deliverRevocations(ctx context.Context, logged []store.RevocationOutbox) {
	if len(logged) == 0 {
		return
	}
	if err := m.deny.Deliver(context.WithoutCancel(ctx), toRevocations(logged)); err != nil {
		m.log.WarnContext(ctx, "denylist write failed; the revocation log keeps it until the drain delivers it",
			slog.Int("revocations", len(logged)), slog.String("error", err.Error()))
	}
}

// audit records an event. It runs outside the request's transaction so a
// failure that rolls the request back is still recorded; losing an audit
// row is logged, never fatal to the request.
func (m *Module) audit(ctx context.Context, kind string, userID, sessionID *uuid.UUID, canonical string, meta requestMeta, detail string) {
	err := m.q.CreateAuthEvent(context.WithoutCancel(ctx), store.CreateAuthEventParams{
		ID: uuid.Must(uuid.NewV7()), UserID: userID, SessionID: sessionID, Kind: kind,
		EmailCanonical: canonical, IpPrefix: meta.ipBucket, UserAgent: meta.userAgent, Detail: detail,
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		m.log.ErrorContext(ctx, "write auth event", slog.String("kind", kind), slog.String("error", err.Error()))
	}
}
