-- Audit trail of security-relevant auth events. It never holds secrets:
-- no passwords, no tokens, no hashes of either. email_canonical is kept for
-- failed logins of unknown accounts (user_id is NULL then), so an operator
-- can see credential stuffing against one address.
CREATE TABLE auth_events (
    id              uuid PRIMARY KEY,
    user_id         uuid REFERENCES users (id) ON DELETE SET NULL,
    session_id      uuid REFERENCES sessions (id) ON DELETE SET NULL,
    kind            text NOT NULL CHECK (kind IN (
                        'signup', 'login_succeeded', 'login_failed', 'login_rate_limited',
                        'refresh_reused', 'logout', 'session_revoked',
                        'password_changed', 'password_rehashed')),
    email_canonical text NOT NULL DEFAULT '' CHECK (char_length(email_canonical) <= 320),
    ip_prefix       text NOT NULL DEFAULT '' CHECK (char_length(ip_prefix) <= 64),
    user_agent      text NOT NULL DEFAULT '' CHECK (char_length(user_agent) <= 512),
    detail          text NOT NULL DEFAULT '' CHECK (char_length(detail) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_events_user_idx ON auth_events (user_id, created_at DESC);
CREATE INDEX auth_events_created_idx ON auth_events (created_at);

-- The sessions list is keyset-paginated by (created_at DESC, id DESC).
CREATE INDEX sessions_user_created_id_idx ON sessions (user_id, created_at DESC, id DESC);
