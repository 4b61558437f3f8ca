-- The collaboration server's durable copy of each chapter's Y.js document
-- (modules/collab). Redis Streams are the commit point of an edit; these
-- tables are where it lands within about a second and stays.
--
-- collab_updates is the durable tail: every update a client sent, keyed by
-- the id Redis gave it in the chapter's stream (milliseconds, sequence), so
-- writing the same entry twice (several instances persist what they read)
-- is harmless. Compaction folds the tail into collab_documents.snapshot
-- (one merged update) and deletes the rows it folded.
--
-- Both go with their chapter when it is purged; trashing keeps them.
CREATE TABLE collab_documents (
    chapter_id   uuid PRIMARY KEY REFERENCES chapters (id) ON DELETE CASCADE,
    -- A Y.js update (format V1) holding the whole document up to
    -- (snapshot_ms, snapshot_seq), the stream id of the last update folded in.
    snapshot     bytea NOT NULL,
    snapshot_ms  bigint NOT NULL CHECK (snapshot_ms >= 0),
    snapshot_seq bigint NOT NULL CHECK (snapshot_seq >= 0),
    -- Counts compactions; for monitoring.
    version      bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER collab_documents_set_updated_at BEFORE UPDATE ON collab_documents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE collab_updates (
    chapter_id uuid NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    stream_ms  bigint NOT NULL CHECK (stream_ms >= 0),
    stream_seq bigint NOT NULL CHECK (stream_seq >= 0),
    update     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chapter_id, stream_ms, stream_seq)
);
