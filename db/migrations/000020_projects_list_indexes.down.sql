DROP INDEX IF EXISTS project_members_project_added_idx;
DROP INDEX IF EXISTS projects_owner_trash_idx;
