-- name: GetDocument :one
SELECT snapshot, snapshot_ms, snapshot_seq, version
FROM collab_documents WHERE chapter_id = $1;

-- name: TryLockDocument :one
-- Compaction of one document runs in one place at a time: the loser of a
-- race skips (its work would be the same merge).
SELECT pg_try_advisory_xact_lock(hashtextextended('collab:' || @chapter_id::text, 0)) AS locked;

-- name: SaveSnapshot :exec
INSERT INTO collab_documents (chapter_id, snapshot, snapshot_ms, snapshot_seq)
VALUES ($1, $2, $3, $4)
ON CONFLICT (chapter_id) DO UPDATE
SET snapshot = EXCLUDED.snapshot, snapshot_ms = EXCLUDED.snapshot_ms, snapshot_seq = EXCLUDED.snapshot_seq,
    version = collab_documents.version + 1;
