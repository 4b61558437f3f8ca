-- name: CreateSession :one
INSERT INTO sessions (id, user_id, user_agent, ip_prefix, last_refreshed_at, idle_expires_at, absolute_expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: GetSessionForUpdate :one
SELECT * FROM sessions WHERE id = $1 FOR UPDATE;

-- name: TouchSession :exec
UPDATE sessions SET last_refreshed_at = $2, idle_expires_at = $3 WHERE id = $1;

-- name: RevokeSession :many
UPDATE sessions SET revoked_at = now(), revoked_reason = $2
WHERE id = $1 AND revoked_at IS NULL
RETURNING id;

-- name: RevokeSessionByUser :many
UPDATE sessions SET revoked_at = now(), revoked_reason = $3
WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
RETURNING id;

-- name: RevokeSessionsByUser :many
UPDATE sessions SET revoked_at = now(), revoked_reason = $2
WHERE user_id = $1 AND revoked_at IS NULL
RETURNING id;

-- name: RevokeOtherSessionsByUser :many
UPDATE sessions SET revoked_at = now(), revoked_reason = $3
WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL
RETURNING id;

-- name: ListActiveSessionsByUser :many
-- Keyset page, newest first; the cursor is the last row's (created_at, id).
SELECT * FROM sessions
WHERE user_id = $1 AND revoked_at IS NULL
  AND idle_expires_at > sqlc.arg(now) AND absolute_expires_at > sqlc.arg(now)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: GetSessionState :one
-- What the token verifier needs to know when Redis cannot tell it.
SELECT s.user_id, s.revoked_at, s.absolute_expires_at, u.disabled_at, u.deleted_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = $1;
