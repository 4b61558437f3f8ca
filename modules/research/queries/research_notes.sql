-- name: LockProjectResearch :exec
-- Serializes creations and restores in one project so the per-project
-- limits hold.
SELECT pg_advisory_xact_lock(hashtextextended('research:' || (@project_id::uuid)::text, 0));

-- name: CountNotesByProject :one
SELECT count(*) FROM research_notes WHERE project_id = $1 AND deleted_at IS NULL;

-- name: CreateNote :one
INSERT INTO research_notes (id, project_id, chapter_id, author_id, title, body, tags, source_url)
VALUES (@id, @project_id, @chapter_id, @author_id, @title, @body, @tags, @source_url)
RETURNING id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at;

-- name: GetNote :one
SELECT id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at
FROM research_notes
WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL;

-- name: GetNoteForUpdate :one
SELECT id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at
FROM research_notes
WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL
FOR UPDATE;

-- name: ListNotesByProject :many
-- Newest change first, served by research_notes_project_updated_idx.
SELECT id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at
FROM research_notes
WHERE project_id = @project_id AND deleted_at IS NULL
  AND (updated_at, id) < (@before_time::timestamptz, @before_id::uuid)
ORDER BY updated_at DESC, id DESC
LIMIT @max_rows;

-- name: ListNotesByProjectAndTags :many
-- Notes carrying every tag asked for; research_notes_tags_idx finds them.
SELECT id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at
FROM research_notes
WHERE project_id = @project_id AND deleted_at IS NULL AND tags @> @tags::text[]
  AND (updated_at, id) < (@before_time::timestamptz, @before_id::uuid)
ORDER BY updated_at DESC, id DESC
LIMIT @max_rows;

-- name: SearchNotesByProject :many
-- Full-text search, best match first; research_notes_search_idx finds the
-- candidates. An empty tag list matches every note.
SELECT id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at,
       ts_rank(search, websearch_to_tsquery('english', @query::text))::float8 AS rank
FROM research_notes
WHERE project_id = @project_id AND deleted_at IS NULL
  AND search @@ websearch_to_tsquery('english', @query::text)
  AND tags @> @tags::text[]
ORDER BY rank DESC, updated_at DESC, id DESC
LIMIT @max_rows;

-- name: UpdateNote :one
UPDATE research_notes
SET title = @title, body = @body, tags = @tags, source_url = @source_url, chapter_id = @chapter_id,
    version = version + 1
WHERE id = @id
RETURNING id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at;

-- name: TrashNote :exec
-- The caller has locked the note (GetNoteForUpdate) and checked its version.
UPDATE research_notes SET deleted_at = now() WHERE id = @id;

-- name: RestoreNote :one
UPDATE research_notes SET deleted_at = NULL
WHERE id = @id AND project_id = @project_id
  AND deleted_at > now() - make_interval(secs => @retention_secs::float8)
RETURNING id, project_id, chapter_id, author_id, title, body, tags, source_url, version, deleted_at, created_at, updated_at;

-- name: PurgeTrashedNotes :execrows
DELETE FROM research_notes WHERE id IN (
    SELECT n.id FROM research_notes n
    WHERE n.deleted_at < now() - make_interval(secs => @retention_secs::float8)
    LIMIT @batch::int
    FOR UPDATE SKIP LOCKED
);

-- name: ListNoteHeadings :many
-- Titles and tags of a project's live notes, for matching against a passage
-- (the AI module's context); research_notes_project_updated_idx serves it.
SELECT id, title, tags FROM research_notes
WHERE project_id = @project_id AND deleted_at IS NULL
ORDER BY updated_at DESC, id DESC
LIMIT @max_rows;

-- name: ListNotesByIDs :many
SELECT id, title, tags, body FROM research_notes
WHERE project_id = @project_id AND deleted_at IS NULL AND id = ANY(@ids::uuid[]);
