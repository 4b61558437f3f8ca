-- name: CreateComment :one
INSERT INTO comments (id, chapter_id, project_id, parent_id, author_id, body, anchor, depth)
VALUES (@id, @chapter_id, @project_id, @parent_id, @author_id, @body, @anchor, @depth)
RETURNING *;

-- name: GetComment :one
-- Nothing unless the chapter is a live chapter of the project.
SELECT * FROM comments
WHERE comments.id = @id AND comments.chapter_id = @chapter_id AND deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL);

-- name: GetCommentForUpdate :one
-- Nothing unless the chapter is a live chapter of the project; locks the
-- comment only.
SELECT * FROM comments
WHERE comments.id = @id AND comments.chapter_id = @chapter_id AND deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL)
FOR UPDATE;

-- name: CountCommentsByChapter :one
SELECT count(*) FROM comments WHERE chapter_id = $1 AND deleted_at IS NULL;

-- name: ListCommentsByChapter :many
-- Served by comments_chapter_idx. The lists below return nothing unless the
-- chapter is a live chapter of the project (a one-time check, not per row).
SELECT * FROM comments
WHERE chapter_id = @chapter_id AND deleted_at IS NULL
  AND (created_at, id) > (@after_time::timestamptz, @after_id::uuid)
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL)
ORDER BY created_at, id
LIMIT @max_rows;

-- name: ListUnresolvedCommentsByChapter :many
-- Served by the partial index comments_chapter_unresolved_idx: the predicate
-- must stay exactly "resolved = false AND deleted_at IS NULL".
SELECT * FROM comments
WHERE chapter_id = @chapter_id AND resolved = false AND deleted_at IS NULL
  AND (created_at, id) > (@after_time::timestamptz, @after_id::uuid)
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL)
ORDER BY created_at, id
LIMIT @max_rows;

-- name: ListResolvedCommentsByChapter :many
SELECT * FROM comments
WHERE chapter_id = @chapter_id AND resolved = true AND deleted_at IS NULL
  AND (created_at, id) > (@after_time::timestamptz, @after_id::uuid)
  AND EXISTS (SELECT 1 FROM chapters c WHERE c.id = @chapter_id AND c.project_id = @project_id AND c.deleted_at IS NULL)
ORDER BY created_at, id
LIMIT @max_rows;

-- name: UpdateComment :one
UPDATE comments SET body = @body, anchor = @anchor, version = version + 1
WHERE id = @id
RETURNING *;

-- name: SetCommentResolved :one
UPDATE comments
SET resolved = @resolved,
    resolved_at = CASE WHEN @resolved::bool THEN now() END,
    resolved_by = CASE WHEN @resolved::bool THEN @user_id::uuid END,
    version = version + 1
WHERE id = @id
RETURNING *;

-- name: TrashCommentThread :exec
-- A deleted comment takes its replies with it: a reply without its parent
-- has no context. The thread is locked in id order (replies, being UUIDv7,
-- sort after their parents), so two overlapping thread deletions queue
-- instead of deadlocking.
WITH RECURSIVE thread AS (
    SELECT c.id FROM comments c WHERE c.id = @id
    UNION ALL
    SELECT r.id FROM comments r JOIN thread t ON r.parent_id = t.id WHERE r.deleted_at IS NULL
), locked AS (
    SELECT l.id FROM comments l WHERE l.id IN (SELECT thread.id FROM thread) ORDER BY l.id FOR UPDATE
)
UPDATE comments SET deleted_at = now()
WHERE id IN (SELECT locked.id FROM locked) AND deleted_at IS NULL;

-- name: PurgeTrashedComments :execrows
DELETE FROM comments WHERE id IN (
    SELECT c.id FROM comments c
    WHERE c.deleted_at < now() - make_interval(secs => @retention_secs::float8)
    LIMIT @batch::int
    FOR UPDATE SKIP LOCKED
);
