-- How deep a comment sits in its thread (0 = top level), so a reply's depth
-- is checked against the limit without walking the thread.
ALTER TABLE comments ADD COLUMN depth smallint NOT NULL DEFAULT 0 CHECK (depth BETWEEN 0 AND 15);
