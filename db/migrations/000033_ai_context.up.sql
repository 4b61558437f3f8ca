-- What the AI module keeps of a book to ground its prompts: the summary of
-- each chapter (its "story so far", made by POST /api/v1/ai/summarize with a
-- chapter_id) and the book's style sample. The chapters and research notes
-- themselves stay with their modules, which the AI module asks.
CREATE TABLE ai_chapter_summaries (
    chapter_id      uuid PRIMARY KEY REFERENCES chapters (id) ON DELETE CASCADE,
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    summary         text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 20000),
    -- The chapter version summarised: an older one means the summary may
    -- be stale.
    chapter_version integer NOT NULL CHECK (chapter_version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_chapter_summaries_project_idx ON ai_chapter_summaries (project_id);
CREATE TRIGGER ai_chapter_summaries_set_updated_at BEFORE UPDATE ON ai_chapter_summaries
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE ai_style_samples (
    project_id uuid PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    sample     text NOT NULL CHECK (char_length(sample) <= 20000),
    version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER ai_style_samples_set_updated_at BEFORE UPDATE ON ai_style_samples
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Read contracts for the AI module's cache (docs/ai.md): per book, how many
-- live notes and chapters there are and when the last of them changed. Any
-- write that can change what a prompt is built from moves one of them (a
-- change sets updated_at; a trash or restore also moves the count), so an
-- answer cached under them is still the answer to the same prompt. Their
-- owners keep these columns and meanings when their tables change.
CREATE VIEW book_notes_changed AS
SELECT project_id, count(*) AS notes, max(updated_at) AS changed_at
FROM research_notes WHERE deleted_at IS NULL GROUP BY project_id;
COMMENT ON VIEW book_notes_changed IS
    'Published by the research module: per book, the live notes and when the last changed.';

CREATE VIEW book_chapters_changed AS
SELECT project_id, count(*) AS chapters, max(updated_at) AS changed_at
FROM chapters WHERE deleted_at IS NULL GROUP BY project_id;
COMMENT ON VIEW book_chapters_changed IS
    'Published by the chapters module: per book, the live chapters and when the last changed.';
