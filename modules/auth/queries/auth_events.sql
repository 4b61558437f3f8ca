-- name: CreateAuthEvent :exec
INSERT INTO auth_events (id, user_id, session_id, kind, email_canonical, ip_prefix, user_agent, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
