-- name: InsertUpdates :execrows
-- Several instances may write the same stream entries; the first wins.
INSERT INTO collab_updates (chapter_id, stream_ms, stream_seq, update)
SELECT unnest(@chapter_ids::uuid[]), unnest(@stream_ms::bigint[]), unnest(@stream_seq::bigint[]), unnest(@updates::bytea[])
ON CONFLICT DO NOTHING;

-- name: ListUpdatesAfter :many
SELECT stream_ms, stream_seq, update
FROM collab_updates
WHERE chapter_id = @chapter_id AND (stream_ms, stream_seq) > (@after_ms::bigint, @after_seq::bigint)
ORDER BY stream_ms, stream_seq;

-- name: DeleteUpdatesThrough :execrows
DELETE FROM collab_updates
WHERE chapter_id = @chapter_id AND (stream_ms, stream_seq) <= (@through_ms::bigint, @through_seq::bigint);
