-- Revocations not yet known to be in Redis (an outbox). A row is written in
-- the transaction that revokes a session or disables a user, and deleted
-- once the denylist in Redis has it; every server process drains what is
-- left (a Redis write that failed) until it succeeds. The table is empty
-- except during a Redis fault, so draining it costs one index probe. No
-- foreign keys: a row is a fact to deliver, not part of the account.
CREATE TABLE revocation_outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id uuid,
    user_id    uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((session_id IS NULL) <> (user_id IS NULL))
);
