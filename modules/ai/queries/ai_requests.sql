-- name: InsertRequest :exec
-- The record is accounting, not the author's work: it commits without
-- waiting for its WAL flush (synchronous_commit off for this statement's
-- transaction only), so recording a call costs no fsync. A crash may lose
-- the last few hundred milliseconds of records; never a book.
INSERT INTO ai_requests (id, user_id, project_id, job_id, operation, provider, model, template_id, template_version,
    input_tokens, output_tokens, cache_hit, attempts, fallback_used, latency_ms, outcome)
SELECT @id::uuid, @user_id::uuid, sqlc.narg(project_id)::uuid, sqlc.narg(job_id)::uuid, @operation::text, @provider::text,
    @model::text, @template_id::text, @template_version::int, @input_tokens::int, @output_tokens::int, @cache_hit::bool,
    @attempts::smallint, @fallback_used::bool, @latency_ms::int, @outcome::text
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit;

-- name: UsageByOperation :many
-- One user's calls since a time, per operation; ai_requests_user_created_idx
-- finds them.
SELECT operation,
       count(*)::bigint AS requests,
       count(*) FILTER (WHERE cache_hit)::bigint AS cache_hits,
       count(*) FILTER (WHERE outcome <> 'ok')::bigint AS failures,
       coalesce(sum(input_tokens), 0)::bigint AS input_tokens,
       coalesce(sum(output_tokens), 0)::bigint AS output_tokens
FROM ai_requests
WHERE user_id = @user_id AND created_at >= @since
GROUP BY operation
ORDER BY operation;

-- name: InsertRequests :copyfrom
-- Records written in batches by a long-running server (recorder.go).
INSERT INTO ai_requests (id, user_id, project_id, job_id, operation, provider, model, template_id, template_version,
    input_tokens, output_tokens, cache_hit, attempts, fallback_used, latency_ms, outcome)
VALUES (@id, @user_id, @project_id, @job_id, @operation, @provider, @model, @template_id, @template_version,
    @input_tokens, @output_tokens, @cache_hit, @attempts, @fallback_used, @latency_ms, @outcome);
