-- Each book's running word count, kept beside the book so that reading a
-- project (or a page of them) costs one query. The chapters module adds the
-- change of every chapter write through projects.Module.AddWords, in the
-- chapter write's own transaction, so the total never drifts from the sum of
-- the live chapters. A separate table rather than a column: chapter saves
-- then neither bump the project's updated_at nor contend with edits of the
-- project itself.
CREATE TABLE project_word_counts (
    project_id uuid PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    words      bigint NOT NULL DEFAULT 0
);

INSERT INTO project_word_counts (project_id, words)
SELECT project_id, sum(word_count) FROM chapters WHERE deleted_at IS NULL GROUP BY project_id;
