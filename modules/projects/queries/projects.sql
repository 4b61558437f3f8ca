-- Books. Every read that answers a caller joins project_members so the
-- caller's role and the project arrive in one round trip.

-- name: LockOwnerProjects :exec
-- Serialises creations by one owner so the per-owner limit holds under
-- concurrent requests.
SELECT pg_advisory_xact_lock(hashtextextended('projects:owner:' || sqlc.arg(owner_id)::uuid::text, 0));

-- name: CountProjectsByOwner :one
-- Counts the trash too: restoring must never push an owner over the limit.
-- Two counts, because each half has its own partial index
-- (projects_owner_updated_idx, projects_owner_trash_idx).
SELECT ((SELECT count(*) FROM projects l WHERE l.owner_id = @owner_id::uuid AND l.deleted_at IS NULL)
      + (SELECT count(*) FROM projects t WHERE t.owner_id = @owner_id::uuid AND t.deleted_at IS NOT NULL))::bigint AS total;

-- name: CreateProject :one
INSERT INTO projects (id, owner_id, title, description, genre, target_word_count)
VALUES (@id, @owner_id, @title, @description, @genre, @target_word_count)
RETURNING *;

-- name: GetProjectForMember :one
-- No row when the project is missing, in the trash, or the user is not a
-- member: callers cannot tell these apart. The word count comes in the same
-- round trip.
SELECT p.id, p.owner_id, p.title, p.description, p.genre, p.target_word_count,
       p.version, p.created_at, p.updated_at,
       (CASE WHEN p.owner_id = @user_id::uuid THEN 'owner' ELSE m.role END)::text AS role,
       coalesce((SELECT w.words FROM book_word_totals w WHERE w.project_id = p.id), 0)::bigint AS word_count
FROM projects p
LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = @user_id::uuid
WHERE p.id = @id AND p.deleted_at IS NULL
  AND (p.owner_id = @user_id::uuid OR m.user_id IS NOT NULL);

-- name: GetProjectRole :one
SELECT (CASE WHEN p.owner_id = @user_id::uuid THEN 'owner' ELSE m.role END)::text AS role
FROM projects p
LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = @user_id::uuid
WHERE p.id = @id AND p.deleted_at IS NULL
  AND (p.owner_id = @user_id::uuid OR m.user_id IS NOT NULL);

-- name: GetProjectRoleWithTrash :one
-- GetProjectRole for the one route that reaches into the trash (restore):
-- the caller's role whether or not the book is in the trash, and whether it is.
SELECT (CASE WHEN p.owner_id = @user_id::uuid THEN 'owner' ELSE m.role END)::text AS role,
       (p.deleted_at IS NOT NULL)::bool AS in_trash
FROM projects p
LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = @user_id::uuid
WHERE p.id = @id
  AND (p.owner_id = @user_id::uuid OR m.user_id IS NOT NULL);

-- name: LockProjectForMember :one
-- Like GetProjectForMember but includes the trash and locks the row, so a
-- write decides on the version and role it will change. FOR NO KEY UPDATE
-- is the lock PostgreSQL's own UPDATE of a non-key column takes: it
-- conflicts with itself, so project writes and member changes of one book
-- still run one at a time, but not with the FOR KEY SHARE lock a foreign key
-- check takes, so inserting a chapter or a note into the book does not wait
-- for them (FOR UPDATE would make it).
SELECT p.id, p.owner_id, p.title, p.description, p.genre, p.target_word_count,
       p.version, p.deleted_at, p.created_at, p.updated_at,
       (CASE WHEN p.owner_id = @user_id::uuid THEN 'owner' ELSE m.role END)::text AS role,
       coalesce((SELECT w.words FROM book_word_totals w WHERE w.project_id = p.id), 0)::bigint AS word_count
FROM projects p
LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = @user_id::uuid
WHERE p.id = @id
  AND (p.owner_id = @user_id::uuid OR m.user_id IS NOT NULL)
FOR NO KEY UPDATE OF p;

-- name: UpdateProject :one
UPDATE projects
SET title = @title, description = @description, genre = @genre,
    target_word_count = @target_word_count, version = version + 1
WHERE id = @id
RETURNING *;

-- name: TrashProject :exec
UPDATE projects SET deleted_at = now(), version = version + 1 WHERE id = @id;

-- name: RestoreProject :one
-- No row once the project is past retention (waiting for the purge). The
-- cutoff is in the database's clock, the one that stamped deleted_at.
UPDATE projects SET deleted_at = NULL, version = version + 1
WHERE id = @id AND deleted_at > now() - make_interval(secs => @retention_secs::float8)
RETURNING *;

-- name: ListProjectsForUser :many
-- Owned and shared books, most recently updated first. Each branch is a
-- keyset scan of its own index (projects_owner_updated_idx,
-- project_members_user_idx); the outer sort merges at most 2*lim rows.
SELECT u.id, u.owner_id, u.title, u.description, u.genre, u.target_word_count,
       u.version, u.created_at, u.updated_at, u.role,
       -- One primary-key lookup per row of the page.
       coalesce((SELECT w.words FROM book_word_totals w WHERE w.project_id = u.id), 0)::bigint AS word_count
FROM (
    (SELECT p.id, p.owner_id, p.title, p.description, p.genre, p.target_word_count,
            p.version, p.created_at, p.updated_at, 'owner'::text AS role
     FROM projects p
     WHERE p.owner_id = @user_id::uuid AND p.deleted_at IS NULL
       AND (p.updated_at, p.id) < (@before_updated_at::timestamptz, @before_id::uuid)
     ORDER BY p.updated_at DESC, p.id DESC
     LIMIT @lim::int)
    UNION ALL
    (SELECT p.id, p.owner_id, p.title, p.description, p.genre, p.target_word_count,
            p.version, p.created_at, p.updated_at, m.role
     FROM project_members m
     JOIN projects p ON p.id = m.project_id
     WHERE m.user_id = @user_id::uuid AND p.deleted_at IS NULL
       AND (p.updated_at, p.id) < (@before_updated_at::timestamptz, @before_id::uuid)
     ORDER BY p.updated_at DESC, p.id DESC
     LIMIT @lim::int)
) AS u
ORDER BY u.updated_at DESC, u.id DESC
LIMIT @lim::int;

-- name: ListTrashByOwner :many
-- The owner's restorable trash, newest deletion first
-- (projects_owner_trash_idx).
SELECT sqlc.embed(p),
       coalesce((SELECT w.words FROM book_word_totals w WHERE w.project_id = p.id), 0)::bigint AS word_count
FROM projects p
WHERE p.owner_id = @owner_id AND p.deleted_at IS NOT NULL
  AND p.deleted_at > now() - make_interval(secs => @retention_secs::float8)
  AND (p.deleted_at, p.id) < (@before_deleted_at::timestamptz, @before_id::uuid)
ORDER BY p.deleted_at DESC, p.id DESC
LIMIT @lim::int;

-- name: PurgeTrashedProjects :execrows
-- Deletes one batch of expired trash; chapters, notes and the rest go with
-- it through ON DELETE CASCADE. SKIP LOCKED lets two purges run at once.
DELETE FROM projects
WHERE id IN (
    SELECT t.id FROM projects t
    WHERE t.deleted_at < now() - make_interval(secs => @retention_secs::float8)
    ORDER BY t.deleted_at
    LIMIT @batch::int
    FOR UPDATE SKIP LOCKED);
