DROP TABLE IF EXISTS ai_style_samples;
DROP TABLE IF EXISTS ai_chapter_summaries;
