-- Chapters, their history and the comments on them.

CREATE TABLE chapters (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    content     text NOT NULL DEFAULT '',
    position    integer NOT NULL CHECK (position >= 0),
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'revising', 'final')),
    word_count  integer NOT NULL DEFAULT 0 CHECK (word_count >= 0),
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Live chapters are densely ordered; the unique index keeps two chapters
-- from sharing a position and serves the ordered list.
CREATE UNIQUE INDEX chapters_project_position_key ON chapters (project_id, position) WHERE deleted_at IS NULL;
CREATE INDEX chapters_project_deleted_idx ON chapters (project_id, deleted_at) WHERE deleted_at IS NOT NULL;
CREATE TRIGGER chapters_set_updated_at BEFORE UPDATE ON chapters
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Versions are the append-only history of a chapter's content; they are
-- never soft-deleted and disappear only with their chapter.
CREATE TABLE versions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chapter_id uuid NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number     integer NOT NULL CHECK (number >= 1),
    title      text NOT NULL,
    content    text NOT NULL,
    word_count integer NOT NULL CHECK (word_count >= 0),
    label      text CHECK (label IS NULL OR char_length(label) BETWEEN 1 AND 200),
    reason     text NOT NULL CHECK (reason IN ('autosave', 'manual', 'restore', 'ai')),
    author_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    restored_from uuid REFERENCES versions (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chapter_id, number)
);
CREATE INDEX versions_chapter_created_idx ON versions (chapter_id, created_at DESC, id DESC);

CREATE TABLE comments (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chapter_id  uuid NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id   uuid REFERENCES comments (id) ON DELETE CASCADE,
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
    -- Where in the text the comment points; opaque to the server.
    anchor      jsonb,
    resolved    boolean NOT NULL DEFAULT false,
    resolved_at timestamptz,
    resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_chapter_idx ON comments (chapter_id, created_at, id) WHERE deleted_at IS NULL;
-- The open threads of a chapter, which editors look at most.
CREATE INDEX comments_chapter_unresolved_idx ON comments (chapter_id, created_at, id) WHERE resolved = false AND deleted_at IS NULL;
CREATE INDEX comments_parent_idx ON comments (parent_id) WHERE parent_id IS NOT NULL;
CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
