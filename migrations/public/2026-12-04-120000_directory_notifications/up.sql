-- Every change of a tenant or an API client is announced to every server instance on the
-- channel of revocations (`latchkey_revocations`, which each instance LISTENs to), as
-- `tenant:<id>` or `client:<id>`: each instance's caches of tenants and clients forget it, so a
-- client deleted or a tenant disabled through one instance is refused by all of them at once.
-- A trigger, not the server: the notification is delivered when the change commits, never
-- before it is visible, and whatever writes the row (a server, an operator's SQL) announces it.
CREATE FUNCTION announce_directory_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.id;
    ELSE
        changed := NEW.id;
    END IF;
    PERFORM pg_notify('latchkey_revocations', TG_ARGV[0] || ':' || changed);
    IF TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id THEN
        PERFORM pg_notify('latchkey_revocations', TG_ARGV[0] || ':' || OLD.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_announced
    AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION announce_directory_change('tenant');

CREATE TRIGGER api_clients_announced
    AFTER INSERT OR UPDATE OR DELETE ON api_clients
    FOR EACH ROW EXECUTE FUNCTION announce_directory_change('client');
