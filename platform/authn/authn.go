// Package authn puts the authenticated caller in the request context. The
// auth module provides the Verifier; every other module only reads the
// Principal and mounts Require on routes that need a user.
package authn

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

// Principal is who is calling.
type Principal struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	// Expires is when the access token stops being accepted (zero when the
	// Verifier does not say). Requests need not look at it; a long-lived
	// connection (a collaboration socket) ends when its token does.
	Expires time.Time
}

// Verifier turns a bearer token into a Principal. It returns an
// Unauthenticated apperr for any token it does not accept.
type Verifier interface {
	Verify(ctx context.Context, token string) (Principal, error)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller, if the request was authenticated.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// UserID returns the caller's user ID, or uuid.Nil when anonymous. Handlers
// behind Require always get a real ID.
func UserID(ctx context.Context) uuid.UUID {
	p, _ := PrincipalFrom(ctx)
	return p.UserID
}

// ErrUnauthenticated is the answer to a missing or unusable token. It says
// nothing about why, so probing tokens teaches an attacker nothing.
var ErrUnauthenticated = &apperr.Error{Kind: apperr.Unauthenticated, Detail: "a valid access token is required"}

// Unauthenticated is ErrUnauthenticated with cause kept for the logs: the
// client sees the same detail whatever the reason.
func Unauthenticated(cause error) *apperr.Error {
	return &apperr.Error{Kind: apperr.Unauthenticated, Detail: ErrUnauthenticated.Detail, Err: cause}
}

// BearerToken extracts the token of an "Authorization: Bearer" header. The
// scheme is case-insensitive; ok is false when the header is absent, and an
// error when it is present but malformed.
func BearerToken(r *http.Request) (token string, ok bool, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false, nil
	}
	scheme, tok, found := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", true, ErrUnauthenticated
	}
	return tok, true, nil
}

type tokenErrKey struct{}

// Optional authenticates requests that carry a bearer token and lets the
// others through anonymously. A token that is present but does not verify
// also passes anonymously, with its failure kept in the context: public
// routes (sign-in, refresh, JWKS) must work for a client that still sends
// its expired access token, while Require answers 401 invalid_token for it.
func Optional(v Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, ok, err := BearerToken(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			var p Principal
			if err == nil {
				if v == nil {
					err = ErrUnauthenticated
				} else {
					p, err = v.Verify(r.Context(), tok)
				}
			}
			if err != nil {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenErrKey{}, err)))
				return
			}
			ctx := WithPrincipal(r.Context(), p)
			ctx = httpx.SetLogAttr(ctx, slog.String("user_id", p.UserID.String()))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Require refuses anonymous requests with 401 (invalid_token when a token
// was sent but did not verify; 503 when it could not be checked). Mount it
// after Optional.
func Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := PrincipalFrom(r.Context()); !ok {
			if err, bad := r.Context().Value(tokenErrKey{}).(error); bad {
				unauthorized(w, r, err, `error="invalid_token"`)
				return
			}
			unauthorized(w, r, ErrUnauthenticated, "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func unauthorized(w http.ResponseWriter, r *http.Request, err error, params string) {
	challenge := `Bearer realm="thebrain"`
	if params != "" {
		challenge += ", " + params
	}
	w.Header().Set("WWW-Authenticate", challenge)
	if !apperr.Is(err, apperr.Unauthenticated) && !apperr.Is(err, apperr.Unavailable) {
		err = Unauthenticated(err)
	}
	httpx.WriteError(w, r, err)
}

// UserProfile is the public face of an account that other modules show
// (member lists, comment authors). The auth module owns the users table and
// provides profiles; nothing else reads that table.
type UserProfile struct {
	ID       uuid.UUID
	Email    string
	FullName string
}
