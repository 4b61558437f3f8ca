DROP TABLE IF EXISTS project_word_counts;
