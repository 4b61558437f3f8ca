-- Shared helpers every table uses.

-- set_updated_at keeps updated_at true without trusting application code.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
