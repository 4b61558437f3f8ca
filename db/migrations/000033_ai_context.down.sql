DROP VIEW IF EXISTS book_chapters_changed;
DROP VIEW IF EXISTS book_notes_changed;
DROP TABLE IF EXISTS ai_style_samples;
DROP TABLE IF EXISTS ai_chapter_summaries;
