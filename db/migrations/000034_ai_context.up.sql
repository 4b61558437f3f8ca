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
