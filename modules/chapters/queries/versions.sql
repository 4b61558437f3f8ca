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
-- Newest first by number, served by the (chapter_id, number) unique index;
-- nothing unless the chapter is a live chapter of the project (a one-time
-- check, not per row).
SELECT id, chapter_id, project_id, number, title, word_count, label, reason, author_id, restored_from, chapter_version, created_at
FROM versions
WHERE chapter_id = @chapter_id AND number < @before_number::int
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL)
ORDER BY number DESC
LIMIT @max_rows;

-- name: GetVersion :one
-- Nothing unless the chapter is a live chapter of the project.
SELECT * FROM versions
WHERE versions.id = @id AND versions.chapter_id = @chapter_id
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL);
