-- name: RecordSessionRevocations :many
-- In the transaction that revokes the sessions (see revocation_outbox).
INSERT INTO revocation_outbox (session_id)
SELECT unnest(sqlc.arg(session_ids)::uuid[])
RETURNING id, session_id, user_id, created_at;

-- name: RecordUserRevocation :one
INSERT INTO revocation_outbox (user_id) VALUES ($1)
RETURNING id, session_id, user_id, created_at;

-- name: ListPendingRevocations :many
SELECT id, session_id, user_id, created_at FROM revocation_outbox ORDER BY id LIMIT $1;

-- name: DeleteRevocations :exec
DELETE FROM revocation_outbox WHERE id = ANY(sqlc.arg(ids)::bigint[]);
