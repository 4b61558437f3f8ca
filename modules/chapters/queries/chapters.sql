-- name: LockProjectChapters :exec
-- Serializes every change to the order of one project's chapters (create,
-- trash, restore, reorder), so positions stay dense and unique.
SELECT pg_advisory_xact_lock(hashtextextended('chapters:' || (@project_id::uuid)::text, 0));

-- name: ListLiveChapterPositions :many
SELECT id, position FROM chapters
WHERE project_id = $1 AND deleted_at IS NULL
ORDER BY position;

-- name: CreateChapter :one
INSERT INTO chapters (id, project_id, title, content, position, status, word_count, created_by, updated_by)
VALUES (@id, @project_id, @title, @content, @position, @status, @word_count, @author_id, @author_id)
RETURNING *;

-- name: GetChapter :one
SELECT * FROM chapters
WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL;

-- name: GetChapterForUpdate :one
SELECT * FROM chapters
WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL
FOR UPDATE;

-- name: GetTrashedChapterForUpdate :one
SELECT * FROM chapters
WHERE id = $1 AND project_id = $2 AND deleted_at IS NOT NULL
FOR UPDATE;

-- name: ListChaptersByProject :many
-- Served by chapters_project_position_key; content only when asked for.
SELECT id, project_id, title,
       CASE WHEN @with_content::bool THEN content ELSE '' END::text AS content,
       position, status, word_count, version, created_by, updated_by, created_at, updated_at
FROM chapters
WHERE project_id = @project_id AND deleted_at IS NULL AND position > @after_position::int
ORDER BY position
LIMIT @max_rows;

-- name: UpdateChapter :one
UPDATE chapters
SET title = @title, content = @content, status = @status, word_count = @word_count,
    updated_by = @author_id, version = version + 1
WHERE id = @id
RETURNING *;

-- name: TrashChapter :exec
UPDATE chapters SET deleted_at = now() WHERE id = $1;

-- name: RestoreChapter :one
UPDATE chapters SET deleted_at = NULL, position = @position
WHERE id = @id
RETURNING *;

-- name: MoveChaptersAside :exec
-- First half of a renumbering: the unique index is checked row by row, so
-- the rows that move step out of the way of every final position.
UPDATE chapters SET position = position + 1000000
WHERE id = ANY(@ids::uuid[]);

-- name: SetChapterPositions :exec
UPDATE chapters AS c SET position = v.position
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@positions::int[]) AS position) AS v
WHERE c.id = v.id;

-- name: ChapterExists :one
SELECT EXISTS (
    SELECT 1 FROM chapters WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL
);

-- name: LiveChapterProject :one
SELECT project_id FROM chapters WHERE id = $1 AND deleted_at IS NULL;

-- name: PurgeTrashedChapters :execrows
-- Their versions and comments go with them (ON DELETE CASCADE).
DELETE FROM chapters WHERE id IN (
    SELECT c.id FROM chapters c
    WHERE c.deleted_at < now() - make_interval(secs => @retention_secs::float8)
    LIMIT @batch::int
    FOR UPDATE SKIP LOCKED
);

-- name: AddBookWords :exec
-- The change of a book's live words, in the transaction of the chapter
-- write that caused it; the row lock serialises concurrent writers, so no
-- change is lost. Published to other modules as the view book_word_totals.
INSERT INTO chapter_word_totals (project_id, words) VALUES (@project_id, @delta)
ON CONFLICT (project_id) DO UPDATE SET words = chapter_word_totals.words + EXCLUDED.words;
