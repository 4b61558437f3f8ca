ALTER TABLE comments DROP COLUMN depth;
