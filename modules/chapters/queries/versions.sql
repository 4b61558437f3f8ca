-- name: GetLatestVersion :one
SELECT number, chapter_version, created_at FROM versions
WHERE chapter_id = $1
ORDER BY number DESC
LIMIT 1;

-- name: CreateVersion :one
-- Callers hold the chapter's row lock, so max(number) + 1 cannot race.
INSERT INTO versions (id, chapter_id, project_id, number, title, content, word_count, label, reason, author_id, restored_from, chapter_version)
VALUES (@id, @chapter_id, @project_id,
        coalesce((SELECT max(v.number) FROM versions v WHERE v.chapter_id = @chapter_id), 0) + 1,
        @title, @content, @word_count, @label, @reason, @author_id, @restored_from, @chapter_version)
RETURNING *;

-- name: ListVersionsByChapter :many
-- Newest first by number, served by the (chapter_id, number) unique index.
SELECT id, chapter_id, project_id, number, title, word_count, label, reason, author_id, restored_from, chapter_version, created_at
FROM versions
WHERE chapter_id = @chapter_id AND number < @before_number::int
ORDER BY number DESC
LIMIT @max_rows;

-- name: GetVersion :one
SELECT * FROM versions
WHERE id = $1 AND chapter_id = $2;
