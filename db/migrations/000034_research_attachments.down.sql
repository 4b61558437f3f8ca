DROP TABLE IF EXISTS research_attachments;
DROP FUNCTION IF EXISTS research_attachment_deleted();
DROP TABLE IF EXISTS research_object_deletions;
