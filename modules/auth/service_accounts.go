package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
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

// newAccount is a validated signup.
type newAccount struct {
	// Email is the address as typed (trimmed); Canonical identifies the
	// account (canonicalEmail).
	Email, Canonical string
	Password         string
	FullName         string
}

// Signup creates the account and its first session. The per-IP limit was
// spent before the body was read (limitIPBeforeBody).
func (s *service) Signup(ctx context.Context, a newAccount, meta requestMeta) (signedIn, error) {
	if problem := passwordProblem(a.Password, a.Canonical, s.hash.algo == "bcrypt"); problem != "" {
		return signedIn{}, apperr.Field("password", problem)
	}
	hash, err := s.hash.Hash(ctx, normalizePassword(a.Password))
	if err != nil {
		return signedIn{}, err
	}
	var si signedIn
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		u, err := q.CreateUser(ctx, store.CreateUserParams{
			ID: uuid.Must(uuid.NewV7()), Email: a.Email, EmailCanonical: a.Canonical, PasswordHash: hash, FullName: a.FullName,
		})
		if db.IsUniqueViolation(err, "users_email_canonical_key") {
			return errEmailTaken
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		si, err = s.startSession(ctx, q, u, meta)
		return err
	})
	if err != nil {
		return signedIn{}, err
	}
	s.audit(ctx, "signup", &si.Account.ID, nil, a.Canonical, meta, "")
	return s.withAccessToken(si)
}

// Login checks the credentials. Limits come first (no hashing for a locked
// account or a flooding IP: the per-IP limit was spent before the body was
// read, in limitIPBeforeBody); the hasher runs exactly once on every path
// that gets past them, against a dummy hash when the account does not exist.
func (s *service) Login(ctx context.Context, email, password string, meta requestMeta) (signedIn, error) {
	_, canonical, problem := canonicalEmail(email)
	if problem != "" {
		canonical = strings.ToLower(strings.TrimSpace(email)) // still throttled and hashed like any other miss
	}
	if err := s.limit.checkAccount(ctx, canonical); err != nil {
		if apperr.Is(err, apperr.RateLimited) {
			s.audit(ctx, "login_rate_limited", nil, nil, canonical, meta, "")
		}
		return signedIn{}, err
	}
	pw := normalizePassword(password)
	u, err := s.q.GetUserByEmailCanonical(ctx, canonical)
	if err != nil && !db.IsNoRows(err) {
		return signedIn{}, fmt.Errorf("find user: %w", err)
	}
	found := err == nil
	stored := ""
	if found {
		stored = u.PasswordHash
	}
	if s.hash.algo == "bcrypt" && len(pw) > bcryptMaxBytes {
		stored = "" // refused like a wrong password, after the same work
	}
	ok, rehash, err := s.hash.Verify(ctx, stored, pw)
	failure := ""
	if errors.Is(err, errResetRequired) {
		// A wrong password to the client, after the same work (the dummy
		// hash): the answer says nothing about the account. The operator
		// learns from the log and the audit trail that it needs a reset.
		s.log.WarnContext(ctx, "stored password hash refused", slog.String("user_id", u.ID.String()), slog.String("error", err.Error()))
		ok, err, failure = false, nil, errResetRequired.Error()
	}
	if err != nil {
		return signedIn{}, err
	}
	if !ok || !found || u.DisabledAt != nil {
		if ferr := s.limit.failed(ctx, canonical); ferr != nil {
			s.log.WarnContext(ctx, "record failed login", slog.String("error", ferr.Error()))
		}
		var uid *uuid.UUID
		if found {
			uid = &u.ID
		}
		s.audit(ctx, "login_failed", uid, nil, canonical, meta, failure)
		return signedIn{}, errBadCredentials
	}
	if err := s.limit.succeeded(ctx, canonical); err != nil {
		s.log.WarnContext(ctx, "clear failed logins", slog.String("error", err.Error()))
	}
	if rehash {
		s.rehash(ctx, u, pw, meta)
	}
	var si signedIn
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		si, err = s.startSession(ctx, store.New(tx), u, meta)
		return err
	})
	if err != nil {
		return signedIn{}, err
	}
	s.audit(ctx, "login_succeeded", &u.ID, &si.Session, canonical, meta, "")
	return s.withAccessToken(si)
}

// rehash upgrades a weaker stored hash after a successful login. A failure
// only delays the upgrade to the next login.
func (s *service) rehash(ctx context.Context, u store.User, pw string, meta requestMeta) {
	h, err := s.hash.Hash(ctx, pw)
	if err == nil {
		err = s.q.UpdateUserPasswordHash(ctx, store.UpdateUserPasswordHashParams{ID: u.ID, PasswordHash: h, OldHash: u.PasswordHash})
	}
	if err != nil {
		s.log.WarnContext(ctx, "rehash password", slog.String("error", err.Error()))
		return
	}
	s.audit(ctx, "password_rehashed", &u.ID, nil, "", meta, s.hash.algo)
}

// Me returns the caller's account; a caller whose account has gone since
// the token was issued is unauthenticated.
func (s *service) Me(ctx context.Context, userID uuid.UUID) (account, error) {
	u, err := s.q.GetLiveUserByID(ctx, userID)
	if db.IsNoRows(err) {
		return account{}, authn.ErrUnauthenticated
	}
	if err != nil {
		return account{}, err
	}
	return accountOf(u), nil
}

// ChangePassword checks the current password, stores the new one and
// revokes every other session of the user.
func (s *service) ChangePassword(ctx context.Context, p authn.Principal, current, next string, meta requestMeta) error {
	if err := s.limit.allowIP(ctx, "password", meta.ipBucket); err != nil {
		return err
	}
	u, err := s.q.GetLiveUserByID(ctx, p.UserID)
	if db.IsNoRows(err) {
		return revokedErr("user gone")
	}
	if err != nil {
		return fmt.Errorf("find user: %w", err)
	}
	if err := s.limit.checkAccount(ctx, u.EmailCanonical); err != nil {
		return err
	}
	if problem := passwordProblem(next, u.EmailCanonical, s.hash.algo == "bcrypt"); problem != "" {
		return apperr.Field("new_password", problem)
	}
	ok, _, err := s.hash.Verify(ctx, u.PasswordHash, normalizePassword(current))
	if errors.Is(err, errResetRequired) {
		// The caller is signed in as this user, so saying so leaks nothing;
		// a "wrong password" would send them round in circles.
		s.log.WarnContext(ctx, "stored password hash refused", slog.String("user_id", u.ID.String()), slog.String("error", err.Error()))
		s.audit(ctx, "login_failed", &u.ID, &p.SessionID, u.EmailCanonical, meta, "password change: "+errResetRequired.Error())
		return apperr.Wrap(apperr.Conflict, "the stored password cannot be checked; it must be reset", err)
	}
	if err != nil {
		return err
	}
	if !ok {
		_ = s.limit.failed(ctx, u.EmailCanonical)
		s.audit(ctx, "login_failed", &u.ID, &p.SessionID, u.EmailCanonical, meta, "password change")
		return apperr.Field("current_password", "is incorrect")
	}
	hash, err := s.hash.Hash(ctx, normalizePassword(next))
	if err != nil {
		return err
	}
	revoked, err := s.revokeSessions(ctx, func(q *store.Queries) ([]uuid.UUID, error) {
		if err := q.UpdateUserPassword(ctx, store.UpdateUserPasswordParams{ID: u.ID, PasswordHash: hash}); err != nil {
			return nil, fmt.Errorf("update password: %w", err)
		}
		reason := "password changed"
		return q.RevokeOtherSessionsByUser(ctx, store.RevokeOtherSessionsByUserParams{UserID: u.ID, ID: p.SessionID, RevokedReason: &reason})
	})
	if err != nil {
		return err
	}
	s.audit(ctx, "password_changed", &u.ID, &p.SessionID, "", meta, fmt.Sprintf("%d other sessions revoked", len(revoked)))
	return nil
}

// LookupEmail canonicalises email exactly as signup and login do and
// returns the live user; NotFound when there is none.
func (s *service) LookupEmail(ctx context.Context, email string) (authn.UserProfile, error) {
	_, canonical, problem := canonicalEmail(email)
	if problem != "" {
		return authn.UserProfile{}, apperr.Field("email", problem)
	}
	u, err := s.q.GetLiveUserByEmailCanonical(ctx, canonical)
	if db.IsNoRows(err) {
		return authn.UserProfile{}, apperr.New(apperr.NotFound, "no account with this email")
	}
	if err != nil {
		return authn.UserProfile{}, err
	}
	return profileOf(u), nil
}

// Profiles returns the live users among ids in one query; missing ones are
// absent from the map.
func (s *service) Profiles(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]authn.UserProfile, error) {
	out := make(map[uuid.UUID]authn.UserProfile, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	users, err := s.q.ListLiveUsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.ID] = profileOf(u)
	}
	return out, nil
}

func profileOf(u store.User) authn.UserProfile {
	return authn.UserProfile{ID: u.ID, Email: u.Email, FullName: u.FullName}
}

// DisableUser disables an account and makes its tokens stop working. The
// revocation is recorded in the same transaction, so it reaches every
// process even if Redis fails now.
func (s *service) DisableUser(ctx context.Context, id uuid.UUID) error {
	var logged store.RevocationOutbox
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
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
	s.deliverRevocations(ctx, []store.RevocationOutbox{logged})
	return nil
}
