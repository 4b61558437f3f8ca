-- Research notes and the bibliography beside a book.

CREATE TABLE research_notes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    chapter_id  uuid REFERENCES chapters (id) ON DELETE SET NULL,
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body        text NOT NULL DEFAULT '',
    tags        text[] NOT NULL DEFAULT '{}',
    source_url  text CHECK (source_url IS NULL OR char_length(source_url) <= 2048),
    -- Full-text search over title (weighted higher) and body.
    search      tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                    setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED,
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX research_notes_project_updated_idx ON research_notes (project_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX research_notes_tags_idx ON research_notes USING gin (tags);
CREATE INDEX research_notes_search_idx ON research_notes USING gin (search);
CREATE TRIGGER research_notes_set_updated_at BEFORE UPDATE ON research_notes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE citations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type        text NOT NULL DEFAULT 'book' CHECK (type IN ('book', 'article', 'chapter', 'website', 'thesis', 'report', 'conference', 'other')),
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    authors     text[] NOT NULL DEFAULT '{}',
    year        integer CHECK (year IS NULL OR year BETWEEN -3000 AND 9999),
    publisher   text NOT NULL DEFAULT '',
    url         text NOT NULL DEFAULT '',
    doi         text NOT NULL DEFAULT '',
    isbn        text NOT NULL DEFAULT '',
    pages       text NOT NULL DEFAULT '',
    notes       text NOT NULL DEFAULT '',
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citations_project_idx ON citations (project_id, created_at, id) WHERE deleted_at IS NULL;
CREATE TRIGGER citations_set_updated_at BEFORE UPDATE ON citations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
