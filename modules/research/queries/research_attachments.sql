-- name: CountAttachmentsByNote :one
-- Pending uploads count too, so a note cannot be flooded with presigns.
SELECT count(*) FROM research_attachments WHERE note_id = $1;

-- name: CreateAttachment :one
INSERT INTO research_attachments (id, project_id, note_id, uploader_id, object_key, filename, content_type, size, upload_expires_at)
VALUES (@id, @project_id, @note_id, @uploader_id, @object_key, @filename, @content_type, @size, @upload_expires_at)
RETURNING id, project_id, note_id, uploader_id, object_key, filename, content_type, size, status, upload_expires_at, created_at, confirmed_at;

-- name: GetAttachment :one
-- An attachment of a live note of the project.
SELECT a.id, a.project_id, a.note_id, a.uploader_id, a.object_key, a.filename, a.content_type, a.size, a.status, a.upload_expires_at, a.created_at, a.confirmed_at
FROM research_attachments a
JOIN research_notes n ON n.id = a.note_id AND n.deleted_at IS NULL
WHERE a.id = @id AND a.note_id = @note_id AND a.project_id = @project_id;

-- name: GetAttachmentForUpdate :one
SELECT a.id, a.project_id, a.note_id, a.uploader_id, a.object_key, a.filename, a.content_type, a.size, a.status, a.upload_expires_at, a.created_at, a.confirmed_at
FROM research_attachments a
JOIN research_notes n ON n.id = a.note_id AND n.deleted_at IS NULL
WHERE a.id = @id AND a.note_id = @note_id AND a.project_id = @project_id
FOR UPDATE OF a;

-- name: ConfirmAttachment :one
UPDATE research_attachments SET status = 'ready', confirmed_at = now()
WHERE id = @id
RETURNING id, project_id, note_id, uploader_id, object_key, filename, content_type, size, status, upload_expires_at, created_at, confirmed_at;

-- name: DeleteAttachment :exec
-- The trigger research_attachments_deleted records the object for deletion.
DELETE FROM research_attachments WHERE id = @id;

-- name: ListReadyAttachmentsByNote :many
-- Oldest first, served by research_attachments_note_idx.
SELECT id, project_id, note_id, uploader_id, object_key, filename, content_type, size, status, upload_expires_at, created_at, confirmed_at
FROM research_attachments
WHERE note_id = @note_id AND status = 'ready'
  AND (created_at, id) > (@after_time::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @max_rows;

-- name: PurgeStaleUploads :execrows
-- Uploads never confirmed within the retention.
DELETE FROM research_attachments WHERE id IN (
    SELECT a.id FROM research_attachments a
    WHERE a.status = 'pending' AND a.created_at < now() - make_interval(secs => @retention_secs::float8)
    LIMIT @batch::int
    FOR UPDATE SKIP LOCKED
);

-- name: ClaimObjectDeletions :many
-- Objects due for deletion, locked for the caller's transaction.
SELECT object_key FROM research_object_deletions
WHERE not_before <= now()
ORDER BY not_before
LIMIT @batch::int
FOR UPDATE SKIP LOCKED;

-- name: ForgetObjectDeletions :exec
-- The objects are deleted; only rows already due go (a pending upload's
-- link may still write its object).
DELETE FROM research_object_deletions WHERE object_key = ANY(@keys::text[]) AND not_before <= now();

-- name: ScheduleObjectDeletion :exec
-- A confirmed attachment's upload object goes once its link has expired.
INSERT INTO research_object_deletions (object_key, not_before)
VALUES (@object_key, greatest(now(), @not_before::timestamptz))
ON CONFLICT (object_key) DO UPDATE SET not_before = greatest(research_object_deletions.not_before, EXCLUDED.not_before);
