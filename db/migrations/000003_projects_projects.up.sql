-- Books and who may work on them.

CREATE TABLE projects (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title             text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description       text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    genre             text NOT NULL DEFAULT '' CHECK (char_length(genre) <= 100),
    target_word_count integer CHECK (target_word_count IS NULL OR target_word_count BETWEEN 1 AND 10000000),
    version           integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    deleted_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- The owner's live books, most recently updated first (keyset order).
CREATE INDEX projects_owner_updated_idx ON projects (owner_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
-- The owner's trash and the purge of old trash.
CREATE INDEX projects_deleted_idx ON projects (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Members other than the owner; the owner is projects.owner_id.
CREATE TABLE project_members (
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('editor', 'commenter', 'viewer')),
    added_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id, project_id);
CREATE TRIGGER project_members_set_updated_at BEFORE UPDATE ON project_members
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
