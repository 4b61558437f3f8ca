-- name: CreateUser :one
INSERT INTO users (id, email, email_canonical, password_hash, full_name)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: GetUserByEmailCanonical :one
-- Disabled accounts are returned too: login treats them like a wrong
-- password, after hashing, so they are not distinguishable.
SELECT * FROM users WHERE email_canonical = $1 AND deleted_at IS NULL;

-- name: GetLiveUserByID :one
SELECT * FROM users WHERE id = $1 AND deleted_at IS NULL AND disabled_at IS NULL;

-- name: GetLiveUserByEmailCanonical :one
SELECT * FROM users WHERE email_canonical = $1 AND deleted_at IS NULL AND disabled_at IS NULL;

-- name: ListLiveUsersByIDs :many
SELECT * FROM users WHERE id = ANY(sqlc.arg(ids)::uuid[]) AND deleted_at IS NULL AND disabled_at IS NULL;

-- name: UpdateUserPasswordHash :exec
-- A rehash keeps the same password: password_changed_at stays.
UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = sqlc.arg(old_hash);

-- name: UpdateUserPassword :exec
UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1;

-- name: DisableUser :exec
UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL;
