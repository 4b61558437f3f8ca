-- Who besides the owner may work on a book, and with which role.

-- name: CountMembersByProject :one
SELECT count(*) FROM project_members WHERE project_id = @project_id;

-- name: CreateMember :one
INSERT INTO project_members (project_id, user_id, role, added_by)
VALUES (@project_id, @user_id, @role, @added_by)
RETURNING *;

-- name: UpdateMemberRole :one
UPDATE project_members SET role = @role
WHERE project_id = @project_id AND user_id = @user_id
RETURNING *;

-- name: DeleteMember :execrows
DELETE FROM project_members WHERE project_id = @project_id AND user_id = @user_id;

-- name: ListMembersByProject :many
-- The owner first (listed as joining when the project was created), then
-- members in the order they were added; keyset on (added_at, user_id),
-- served by project_members_project_added_idx.
SELECT t.user_id, t.role, t.added_by, t.created_at, t.updated_at
FROM (
    SELECT p.owner_id AS user_id, 'owner'::text AS role, NULL::uuid AS added_by,
           p.created_at, p.created_at AS updated_at
    FROM projects p WHERE p.id = @project_id
    UNION ALL
    SELECT m.user_id, m.role, m.added_by, m.created_at, m.updated_at
    FROM project_members m WHERE m.project_id = @project_id
) AS t
WHERE (t.created_at, t.user_id) > (@after_created_at::timestamptz, @after_user_id::uuid)
ORDER BY t.created_at, t.user_id
LIMIT @lim::int;
