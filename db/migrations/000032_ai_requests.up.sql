-- The AI module's record of every call to a language model (and of every
-- answer served from its cache): who asked, for which book, what it cost
-- and how it went. Never the prompt or the completion: those are an
-- author's manuscript. GET /api/v1/ai/usage sums it for the caller.
CREATE TABLE ai_requests (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The book may go (purged from the trash); the cost stays recorded.
    project_id       uuid REFERENCES projects (id) ON DELETE SET NULL,
    -- The job that made the call (draft, consistency); jobs are purged
    -- after 30 days, so no foreign key.
    job_id           uuid,
    operation        text NOT NULL CHECK (operation IN ('expand', 'rewrite', 'summarize', 'draft', 'consistency')),
    provider         text NOT NULL DEFAULT '',
    model            text NOT NULL DEFAULT '',
    template_id      text NOT NULL,
    template_version integer NOT NULL CHECK (template_version >= 1),
    input_tokens     integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens    integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cache_hit        boolean NOT NULL DEFAULT false,
    attempts         smallint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    fallback_used    boolean NOT NULL DEFAULT false,
    latency_ms       integer NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
    outcome          text NOT NULL CHECK (outcome IN ('ok', 'failed', 'timeout', 'refused', 'canceled', 'invalid_output')),
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- A user's usage over a window (today, the last 30 days).
CREATE INDEX ai_requests_user_created_idx ON ai_requests (user_id, created_at);
