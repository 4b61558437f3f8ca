DROP INDEX IF EXISTS sessions_user_created_id_idx;
DROP TABLE IF EXISTS auth_events;
