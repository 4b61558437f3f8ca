-- Indexes behind the projects module's lists.

-- An owner's trash, newest deletion first (GET /api/v1/trash keyset order).
CREATE INDEX projects_owner_trash_idx ON projects (owner_id, deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
-- A project's members in the order they were added (member list keyset order).
CREATE INDEX project_members_project_added_idx ON project_members (project_id, created_at, user_id);
