package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/token"
)

// publicKeys is what the authorizer verifies with: the configured JWKS, or
// the public halves of the configured signing keys. It never generates a
// key: an authorizer that invented its own would refuse every token.
func publicKeys(cfg config.Config) (jwk.Set, error) {
	if cfg.JWTPublicKeys != "" {
		set, err := jwk.Parse([]byte(cfg.JWTPublicKeys))
		if err != nil {
			return nil, fmt.Errorf("THEBRAIN_JWT_PUBLIC_KEYS: %w", err)
		}
		for i := range set.Len() {
			k, _ := set.Key(i)
			if _, ok := k.KeyID(); !ok {
				return nil, errors.New("THEBRAIN_JWT_PUBLIC_KEYS: every key needs a kid")
			}
			// A private key here would mean the authorizer could mint tokens.
			if priv, err := jwk.IsPrivateKey(k); err != nil || priv || k.KeyType().String() != "OKP" {
				return nil, errors.New("THEBRAIN_JWT_PUBLIC_KEYS: only Ed25519 public keys are accepted")
			}
		}
		return set, nil
	}
	if len(cfg.JWTKeys) == 0 {
		return nil, errors.New("the authorizer needs THEBRAIN_JWT_PUBLIC_KEYS or THEBRAIN_JWT_KEYS")
	}
	keys, err := signingKeys(cfg)
	if err != nil {
		return nil, err
	}
	return token.PublicSet(keys...)
}

// serveAuthorizer runs the Lambda TOKEN authorizer: public keys and the
// Redis denylist only, no database.
func serveAuthorizer(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	logger.InfoContext(ctx, "starting", slog.String("mode", "authorizer"), slog.String("version", buildVersion()), slog.Any("config", cfg))
	set, err := publicKeys(cfg)
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return errors.New("the authorizer needs THEBRAIN_REDIS_URL (the denylist the API writes)")
	}
	rdb, err := redis.Open(ctx, cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("THEBRAIN_REDIS_URL: %w", err)
	}
	rdb.SetLogger(logger)
	a := &authorizer{
		tokens: token.NewVerifier(set, cfg.JWTIssuer, cfg.JWTAudience).WithCache(10000),
		deny:   authn.NewDenylist(rdb, redis.NewKeys(cfg.RedisPrefix)),
		log:    logger,
	}
	lambda.StartWithOptions(a, lambda.WithContext(ctx), lambda.WithEnableSIGTERM(func() { rdb.Close() }))
	return nil
}

// authorizer answers API Gateway TOKEN authorizer events.
type authorizer struct {
	tokens *token.Verifier
	deny   *authn.Denylist
	log    *slog.Logger
}

// errUnauthorized is the exact error API Gateway turns into a 401.
var errUnauthorized = errors.New("Unauthorized")

// Invoke implements lambda.Handler. It takes the raw event, so that anything but a TOKEN authorizer
// event (garbage, a REQUEST authorizer's event) is refused with the 401
// error instead of an unmarshalling error, which API Gateway would answer
// with a 500, and so that nothing in an invocation ends the process.
func (a *authorizer) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	resp, err := a.handle(ctx, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}

func (a *authorizer) handle(ctx context.Context, raw []byte) (resp events.APIGatewayCustomAuthorizerResponse, err error) {
	var req events.APIGatewayCustomAuthorizerRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.Type != "TOKEN" {
		a.log.WarnContext(ctx, "authorizer: not a TOKEN authorizer event", slog.Int("bytes", len(raw)))
		return resp, errUnauthorized
	}
	defer func() {
		if v := recover(); v != nil {
			a.log.ErrorContext(ctx, "authorizer: panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			resp, err = events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
		}
	}()
	return a.authorize(ctx, req)
}

// authorize verifies the bearer token and allows the whole API. The policy
// must not name only req.MethodArn: API Gateway caches it per token for
// every route, so a method-specific policy would deny the user's next
// request to any other route until the cache expires. Keep the authorizer's
// result cache TTL at 60 s or less: it bounds how late a revocation bites
// at the gateway (the API itself re-checks every request).
func (a *authorizer) authorize(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	var none events.APIGatewayCustomAuthorizerResponse
	resource, err := apiWildcardARN(req.MethodArn)
	if err != nil {
		a.log.WarnContext(ctx, "authorizer: bad method ARN", slog.String("error", err.Error()))
		return none, errUnauthorized
	}
	raw, ok, err := authn.BearerToken(&http.Request{Header: http.Header{"Authorization": {req.AuthorizationToken}}})
	if !ok || err != nil {
		return none, errUnauthorized
	}
	c, err := a.tokens.Verify(ctx, raw)
	if err != nil {
		a.log.InfoContext(ctx, "authorizer: token refused", slog.String("error", err.Error()))
		return none, errUnauthorized
	}
	denied, _, err := a.deny.Denied(ctx, c.SessionID, c.UserID)
	switch {
	case err != nil:
		// Fail open: signature, claims and expiry were checked, and the API
		// behind us re-checks revocation against the database. Failing
		// closed would log every user out while Redis is down.
		a.log.ErrorContext(ctx, "authorizer: denylist unavailable, allowing on signature", slog.String("error", err.Error()))
	case denied:
		return none, errUnauthorized
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: c.UserID.String(),
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version:   "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource}}},
		},
		Context: map[string]any{"user_id": c.UserID.String(), "session_id": c.SessionID.String()},
	}, nil
}

// apiWildcardARN turns
// arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path}
// into arn:aws:execute-api:{region}:{account}:{api}/*, every stage, method
// and path of the API.
func apiWildcardARN(methodARN string) (string, error) {
	parts := strings.SplitN(methodARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "execute-api" {
		return "", fmt.Errorf("not an execute-api ARN: %q", methodARN)
	}
	api, _, _ := strings.Cut(parts[5], "/")
	if api == "" {
		return "", fmt.Errorf("no API ID in %q", methodARN)
	}
	return strings.Join(parts[:5], ":") + ":" + api + "/*", nil
}
