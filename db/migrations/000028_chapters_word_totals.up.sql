-- A book's word total is a fact about its chapters, so the chapters module
-- now owns it and keeps it in its own transactions (no transaction crosses
-- a module). The projects module shows it beside each book through the view
-- book_word_totals, which chapters publishes as its read contract: other
-- modules may read a published view, never a table they do not own.
ALTER TABLE project_word_counts RENAME TO chapter_word_totals;
ALTER TABLE chapter_word_totals RENAME CONSTRAINT project_word_counts_pkey TO chapter_word_totals_pkey;
ALTER TABLE chapter_word_totals RENAME CONSTRAINT project_word_counts_project_id_fkey TO chapter_word_totals_project_id_fkey;

CREATE VIEW book_word_totals AS
SELECT project_id, words FROM chapter_word_totals;

COMMENT ON VIEW book_word_totals IS
    'Published by the chapters module: the live words of each book (absent: 0).';
