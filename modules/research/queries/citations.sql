-- name: CountCitationsByProject :one
SELECT count(*) FROM citations WHERE project_id = $1 AND deleted_at IS NULL;

-- name: CreateCitation :one
INSERT INTO citations (id, project_id, type, title, authors, year, publisher, url, doi, isbn, pages, notes)
VALUES (@id, @project_id, @type, @title, @authors, @year, @publisher, @url, @doi, @isbn, @pages, @notes)
RETURNING *;

-- name: GetCitation :one
SELECT * FROM citations WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL;

-- name: GetCitationForUpdate :one
SELECT * FROM citations WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL FOR UPDATE;

-- name: ListCitationsByProject :many
-- Oldest first, served by citations_project_idx.
SELECT * FROM citations
WHERE project_id = @project_id AND deleted_at IS NULL
  AND (created_at, id) > (@after_time::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @max_rows;

-- name: UpdateCitation :one
UPDATE citations
SET type = @type, title = @title, authors = @authors, year = @year, publisher = @publisher, url = @url,
    doi = @doi, isbn = @isbn, pages = @pages, notes = @notes, version = version + 1
WHERE id = @id
RETURNING *;

-- name: TrashCitation :exec
-- The caller has locked the citation (GetCitationForUpdate) and checked its
-- version.
UPDATE citations SET deleted_at = now() WHERE id = @id;

-- name: RestoreCitation :one
UPDATE citations SET deleted_at = NULL
WHERE id = @id AND project_id = @project_id
  AND deleted_at > now() - make_interval(secs => @retention_secs::float8)
RETURNING *;

-- name: PurgeTrashedCitations :execrows
DELETE FROM citations WHERE id IN (
    SELECT c.id FROM citations c
    WHERE c.deleted_at < now() - make_interval(secs => @retention_secs::float8)
    LIMIT @batch::int
    FOR UPDATE SKIP LOCKED
);
