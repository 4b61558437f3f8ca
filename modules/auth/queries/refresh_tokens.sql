-- name: CreateRefreshToken :exec
INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, issued_at)
VALUES ($1, $2, $3, $4, $5);

-- name: UseRefreshToken :one
-- The compare-and-set of a rotation: exactly one caller wins a token.
UPDATE refresh_tokens SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
RETURNING id, session_id;

-- name: GetRefreshTokenByHash :one
SELECT id, session_id, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1;

-- name: RevokeRefreshTokensBySessions :exec
UPDATE refresh_tokens SET revoked_at = now()
WHERE session_id = ANY(sqlc.arg(session_ids)::uuid[]) AND revoked_at IS NULL;
