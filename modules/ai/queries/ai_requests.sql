-- name: InsertRequest :exec
INSERT INTO ai_requests (id, user_id, project_id, job_id, operation, provider, model, template_id, template_version,
    input_tokens, output_tokens, cache_hit, attempts, fallback_used, latency_ms, outcome)
VALUES (@id, @user_id, @project_id, @job_id, @operation, @provider, @model, @template_id, @template_version,
    @input_tokens, @output_tokens, @cache_hit, @attempts, @fallback_used, @latency_ms, @outcome);

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
