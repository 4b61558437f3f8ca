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

-- name: SeedDocument :execrows
-- A fresh document's first state, made from the chapter's Markdown: one
-- seeding wins however many instances race (the others find the row, or a
-- non-empty one, and load what won).
INSERT INTO collab_documents (chapter_id, snapshot, snapshot_ms, snapshot_seq)
VALUES (@chapter_id, @snapshot, 0, 0)
ON CONFLICT (chapter_id) DO UPDATE SET snapshot = EXCLUDED.snapshot
WHERE collab_documents.snapshot = '\x0000'::bytea;

-- name: TryLockRender :one
-- Writing a document's rendering back to its chapter runs in one place at
-- a time; the loser of a race tries again at its next trigger.
SELECT pg_try_advisory_xact_lock(hashtextextended('collab-render:' || @chapter_id::text, 0)) AS locked;
