-- name: UpsertChapterSummary :exec
INSERT INTO ai_chapter_summaries (chapter_id, project_id, summary, chapter_version)
VALUES (@chapter_id, @project_id, @summary, @chapter_version)
ON CONFLICT (chapter_id) DO UPDATE
SET summary = excluded.summary, chapter_version = excluded.chapter_version
-- The same summary again (an answer from the cache) changes nothing, so it
-- does not move the book's material stamp either.
WHERE ai_chapter_summaries.summary <> excluded.summary OR ai_chapter_summaries.chapter_version <> excluded.chapter_version;

-- name: ListChapterSummaries :many
SELECT chapter_id, summary, chapter_version FROM ai_chapter_summaries
WHERE project_id = @project_id AND chapter_id = ANY(@chapter_ids::uuid[]);

-- name: GetStyleSample :one
SELECT project_id, sample, version, updated_by, created_at, updated_at FROM ai_style_samples
WHERE project_id = @project_id;

-- name: PutStyleSample :one
-- Replaces the sample; the caller has checked the version it names.
INSERT INTO ai_style_samples (project_id, sample, updated_by)
VALUES (@project_id, @sample, @updated_by)
ON CONFLICT (project_id) DO UPDATE
SET sample = excluded.sample, updated_by = excluded.updated_by, version = ai_style_samples.version + 1
RETURNING project_id, sample, version, updated_by, created_at, updated_at;

-- name: GetStyleSampleForUpdate :one
SELECT version FROM ai_style_samples WHERE project_id = @project_id FOR UPDATE;

-- name: MaterialStamp :one
-- What the book's prompts are built from, in one value that moves whenever
-- any of it changes: its notes and chapters (through the views their
-- modules publish), its kept summaries and its style sample.
SELECT concat_ws('|',
    coalesce((SELECT notes || '@' || changed_at FROM book_notes_changed WHERE project_id = @project_id::uuid), '-'),
    coalesce((SELECT chapters || '@' || changed_at FROM book_chapters_changed WHERE project_id = @project_id::uuid), '-'),
    coalesce((SELECT count(*) || '@' || max(updated_at) FROM ai_chapter_summaries WHERE project_id = @project_id::uuid), '-'),
    coalesce((SELECT version::text FROM ai_style_samples WHERE project_id = @project_id::uuid), '-')
)::text AS stamp;
