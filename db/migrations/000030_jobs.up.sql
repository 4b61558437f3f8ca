-- The one record of every background job (modules/jobs). The transport
-- (River's tables, or SQS) only says when to look at a row; this row says
-- what the job is, whose it is, how far it got and how it ended.
CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 100),
    owner_id         uuid REFERENCES users (id) ON DELETE CASCADE,     -- NULL: a system job
    project_id       uuid REFERENCES projects (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    payload          jsonb NOT NULL DEFAULT '{}',
    unique_key       text CHECK (char_length(unique_key) <= 200),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    progress         smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_message text NOT NULL DEFAULT '' CHECK (char_length(progress_message) <= 500),
    result           jsonb,          -- small results as they are
    result_gz        bytea,          -- larger ones gzip-compressed (docs/jobs.md)
    error            text CHECK (char_length(error) <= 2000),
    cancel_requested boolean NOT NULL DEFAULT false,
    transport        text NOT NULL CHECK (transport IN ('postgres', 'sqs')),
    sent_at          timestamptz,    -- sqs: when SQS acknowledged the message (the outbox)
    run_after        timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_until      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    CHECK (status <> 'running' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
);
CREATE TRIGGER jobs_set_updated_at BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- One queued or running job per kind and key (e.g. one consistency check
-- per book at a time).
CREATE UNIQUE INDEX jobs_active_unique_idx ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('queued', 'running');
-- A user's jobs, newest first (keyset order of GET /api/v1/jobs).
CREATE INDEX jobs_owner_created_idx ON jobs (owner_id, created_at DESC, id DESC) WHERE owner_id IS NOT NULL;
-- The SQS outbox: rows SQS has not acknowledged yet.
CREATE INDEX jobs_outbox_idx ON jobs (created_at) WHERE transport = 'sqs' AND sent_at IS NULL AND status = 'queued';
-- Running jobs whose worker stopped renewing its lease.
CREATE INDEX jobs_lease_idx ON jobs (lease_until) WHERE status = 'running';
-- Finished jobs, for their purge.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Periodic jobs: whichever worker moves next_run_at enqueues the run.
CREATE TABLE job_schedules (
    kind        text PRIMARY KEY,
    every_secs  integer NOT NULL CHECK (every_secs >= 1),
    next_run_at timestamptz NOT NULL,
    last_job_id uuid,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER job_schedules_set_updated_at BEFORE UPDATE ON job_schedules
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
