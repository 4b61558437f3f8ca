ALTER TABLE versions DROP COLUMN chapter_version;
