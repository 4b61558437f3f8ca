-- Accounts, sessions (one refresh-token family each), refresh tokens.

CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
    -- The canonical form (trimmed, NFKC, case-folded, punycode domain) is
    -- what identifies an account; email keeps what the user typed.
    email_canonical     text NOT NULL CHECK (char_length(email_canonical) BETWEEN 3 AND 320),
    password_hash       text NOT NULL,
    full_name           text NOT NULL DEFAULT '' CHECK (char_length(full_name) <= 200),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    email_verified_at   timestamptz,
    disabled_at         timestamptz,
    deleted_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_canonical_key ON users (email_canonical) WHERE deleted_at IS NULL;
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sessions (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent          text NOT NULL DEFAULT '' CHECK (char_length(user_agent) <= 512),
    ip_prefix           text NOT NULL DEFAULT '',
    last_refreshed_at   timestamptz NOT NULL DEFAULT now(),
    idle_expires_at     timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    revoked_at          timestamptz,
    revoked_reason      text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_active_idx ON sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;
CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Refresh tokens are opaque random values; only their SHA-256 is stored.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    parent_id   uuid REFERENCES refresh_tokens (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_id);
CREATE TRIGGER refresh_tokens_set_updated_at BEFORE UPDATE ON refresh_tokens
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
