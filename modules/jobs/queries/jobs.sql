-- name: InsertJob :one
-- A new job, in the caller's transaction. A unique key already held by a
-- queued or running job of the same kind inserts nothing (no row back).
INSERT INTO jobs (id, kind, owner_id, project_id, payload, unique_key, max_attempts, transport)
VALUES (@id, @kind, sqlc.narg(owner_id), sqlc.narg(project_id), @payload, sqlc.narg(unique_key), @max_attempts, @transport)
ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING
RETURNING id, status;

-- name: GetActiveJobByKey :one
SELECT id, status FROM jobs
WHERE kind = @kind AND unique_key = @unique_key AND status IN ('queued', 'running');

-- name: GetJob :one
SELECT * FROM jobs WHERE id = @id;

-- name: GetJobForOwner :one
SELECT * FROM jobs WHERE id = @id AND owner_id = @owner_id;

-- name: ListJobsForOwner :many
-- A user's jobs, newest first, optionally of one status and one kind.
SELECT * FROM jobs
WHERE owner_id = @owner_id
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(kind)::text IS NULL OR kind = sqlc.narg(kind)::text)
  AND (created_at, id) < (@before_created_at::timestamptz, @before_id::uuid)
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: ClaimJobs :many
-- Attempts take their jobs: a queued job whose time has come, or a running
-- one whose worker stopped renewing its lease. Never two at once: the row
-- lock and the lease decide. Several deliveries of one moment claim in one
-- statement; the rows claimed come back, the others cannot be claimed.
UPDATE jobs SET status = 'running', attempts = attempts + 1,
    lease_owner = @owner::text, lease_until = now() + make_interval(secs => @lease_secs::float8),
    started_at = coalesce(started_at, now()), error = NULL
WHERE id = ANY(@ids::uuid[]) AND attempts < max_attempts AND NOT cancel_requested
  AND ((status = 'queued' AND run_after <= now()) OR (status = 'running' AND lease_until < now()))
RETURNING *;

-- name: FinishJobs :many
-- The outcomes of attempts (succeeded, failed or cancelled), several of one
-- moment in one statement; the ids of the rows recorded come back (a row
-- missing is no longer the attempt's). An empty error is none (text[]
-- holds no NULL here).
UPDATE jobs SET status = o.status, result = o.result, result_gz = o.result_gz, error = nullif(o.error, ''),
    progress = CASE WHEN o.status = 'succeeded' THEN 100 ELSE jobs.progress END,
    lease_owner = NULL, lease_until = NULL, finished_at = now()
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@statuses::text[]) AS status, unnest(@results::jsonb[]) AS result,
        unnest(@results_gz::bytea[]) AS result_gz, unnest(@errors::text[]) AS error) AS o
WHERE jobs.id = o.id AND jobs.status = 'running' AND jobs.lease_owner = @owner::text
RETURNING jobs.id;

-- name: RenewLease :one
-- The running attempt keeps its lease; the answer says whether the owner
-- asked to cancel.
UPDATE jobs SET lease_until = now() + make_interval(secs => @lease_secs::float8)
WHERE id = @id AND status = 'running' AND lease_owner = @owner::text
RETURNING cancel_requested;

-- name: SetJobProgress :execrows
UPDATE jobs SET progress = @progress, progress_message = @message
WHERE id = @id AND status = 'running' AND lease_owner = @owner::text;

-- name: RetryJobLater :execrows
-- A failed attempt with attempts left: queued again after a backoff.
UPDATE jobs SET status = 'queued', error = @error, run_after = @run_after,
    lease_owner = NULL, lease_until = NULL
WHERE id = @id AND status = 'running' AND lease_owner = @owner::text;

-- name: ReturnJob :execrows
-- An attempt given back unfinished (the worker is stopping): queued again
-- at once, and the attempt does not count.
UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_after = now(),
    lease_owner = NULL, lease_until = NULL
WHERE id = @id AND status = 'running' AND lease_owner = @owner::text;

-- name: FailAbandonedJob :execrows
-- The worker of a job's last attempt stopped without an outcome: the job
-- failed.
UPDATE jobs SET status = 'failed', error = @error, lease_owner = NULL, lease_until = NULL, finished_at = now()
WHERE id = @id AND status = 'running' AND lease_until < now() AND attempts >= max_attempts;

-- name: ListAbandonedJobs :many
SELECT id FROM jobs
WHERE status = 'running' AND lease_until < now() - make_interval(secs => @grace_secs::float8) AND attempts >= max_attempts
ORDER BY lease_until
LIMIT @max_rows;

-- name: CancelQueuedJob :one
-- Cancel asked by the owner: a queued job ends at once, a running one is
-- told (its attempt sees it at the next lease renewal).
UPDATE jobs SET
    status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
    finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
    cancel_requested = true
WHERE id = @id AND owner_id = @owner_id AND status IN ('queued', 'running')
RETURNING *;

-- name: FinishCancelledJob :execrows
-- A queued job whose cancel was asked while a delivery was on its way.
UPDATE jobs SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_until = NULL
WHERE id = @id AND status IN ('queued', 'running') AND cancel_requested
  AND (status = 'queued' OR lease_until < now());

-- name: MarkJobSent :exec
UPDATE jobs SET sent_at = now() WHERE id = @id AND sent_at IS NULL;

-- name: ListUnsentJobs :many
-- The SQS outbox: jobs committed but not acknowledged by SQS, oldest first.
SELECT id FROM jobs
WHERE transport = 'sqs' AND sent_at IS NULL AND status = 'queued' AND created_at < now() - make_interval(secs => @older_than_secs::float8)
ORDER BY created_at
LIMIT @max_rows;

-- name: RetryFailedJob :one
-- An operator gives a failed job a fresh set of attempts.
UPDATE jobs SET status = 'queued', attempts = 0, error = NULL, run_after = now(), finished_at = NULL,
    cancel_requested = false, sent_at = NULL, progress = 0, progress_message = ''
WHERE id = @id AND status = 'failed'
RETURNING *;

-- name: ListJobsByStatus :many
-- For operators: jobs of one status, newest first.
SELECT id, kind, owner_id, project_id, status, attempts, error, created_at, finished_at FROM jobs
WHERE status = @status
ORDER BY created_at DESC
LIMIT @max_rows;

-- name: PurgeFinishedJobs :execrows
DELETE FROM jobs
WHERE id IN (
    SELECT id FROM jobs
    WHERE finished_at < now() - make_interval(secs => @older_than_secs::float8)
    ORDER BY finished_at
    LIMIT @batch::int);

-- name: EnsureSchedule :exec
-- A periodic kind's schedule; a new one is due at once.
INSERT INTO job_schedules (kind, every_secs, next_run_at) VALUES (@kind, @every_secs, now())
ON CONFLICT (kind) DO UPDATE SET every_secs = EXCLUDED.every_secs;

-- name: TakeDueSchedule :one
-- The worker that moves next_run_at enqueues the run; the row lock makes
-- it one worker per period.
UPDATE job_schedules SET next_run_at = now() + make_interval(secs => every_secs::float8), last_job_id = @job_id
WHERE kind = @kind AND next_run_at <= now()
RETURNING kind;
