-- Which chapter version a snapshot holds, so the same text is not recorded
-- twice and a client can tell which saved state a version is.
ALTER TABLE versions ADD COLUMN chapter_version integer CHECK (chapter_version IS NULL OR chapter_version >= 1);
