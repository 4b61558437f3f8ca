DROP TABLE IF EXISTS citations;
DROP TABLE IF EXISTS research_notes;
