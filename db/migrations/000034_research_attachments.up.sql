-- Files attached to research notes (images, PDFs of sources). The bytes live
-- in the blob store (S3, or a directory of the data dir). A row is pending
-- from the presigned upload, which writes object_key || '.upload', until
-- confirm has copied that object to object_key
-- (projects/{project_id}/notes/{note_id}/{id}), where no upload link can
-- reach it, and checked the copy; then it is ready.

CREATE TABLE research_attachments (
    id                uuid PRIMARY KEY,
    project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    note_id           uuid NOT NULL REFERENCES research_notes (id) ON DELETE CASCADE,
    uploader_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    object_key        text NOT NULL UNIQUE,
    filename          text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 200),
    content_type      text NOT NULL,
    size              bigint NOT NULL CHECK (size >= 1),
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready')),
    -- Until then the presigned upload may still write the object.
    upload_expires_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    confirmed_at      timestamptz
);
CREATE INDEX research_attachments_note_idx ON research_attachments (note_id, created_at, id);
CREATE INDEX research_attachments_pending_idx ON research_attachments (created_at) WHERE status = 'pending';

-- Objects whose rows are gone: deleted by a user, refused at confirmation,
-- never confirmed, or taken by the purge of their note or project (cascades
-- included: the trigger below sees every deleted row). The research purge
-- deletes each object once not_before has passed: a pending row's upload
-- link may still write its object until it expires.
CREATE TABLE research_object_deletions (
    object_key text PRIMARY KEY,
    not_before timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX research_object_deletions_due_idx ON research_object_deletions (not_before);

CREATE FUNCTION research_attachment_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO research_object_deletions (object_key, not_before)
    VALUES (OLD.object_key, now())
    ON CONFLICT (object_key) DO NOTHING;
    IF OLD.status = 'pending' THEN
        INSERT INTO research_object_deletions (object_key, not_before)
        VALUES (OLD.object_key || '.upload', greatest(now(), OLD.upload_expires_at))
        ON CONFLICT (object_key) DO UPDATE SET not_before = greatest(research_object_deletions.not_before, EXCLUDED.not_before);
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER research_attachments_deleted AFTER DELETE ON research_attachments
    FOR EACH ROW EXECUTE FUNCTION research_attachment_deleted();
