-- Hot reload from SQL: every change to a server's configuration in omni2.mcp_servers (insert, update,
-- delete, by any tool) sends NOTIFY omni2_mcp_servers with the server's name once the transaction commits.
-- Each silo LISTENs (Omni2.Grains/Registry/RowChangeListener.cs) and has the registry reload that row; the
-- registry's 30 s scan stays as the safety net. Updates of the status columns alone (the grains write them
-- on every transition, and last_check_at every 5 s for every server) notify nothing and cost nothing: the
-- update trigger is declared on the configuration columns only (UPDATE OF), so PostgreSQL does not even
-- evaluate it for a status write, and its WHEN clause skips an update that sets them to what they were.
-- A configuration column added later must be added to both lists below (RowChangeNotifyTests checks it).
-- sql/apply.sh runs every script on every deploy, so this file is rewritten in place, not amended.
CREATE OR REPLACE FUNCTION omni2.notify_mcp_server_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('omni2_mcp_servers', OLD.name);
    ELSE
        PERFORM pg_notify('omni2_mcp_servers', NEW.name);
        -- A renamed row: the old name is gone.
        IF TG_OP = 'UPDATE' AND OLD.name IS DISTINCT FROM NEW.name THEN
            PERFORM pg_notify('omni2_mcp_servers', OLD.name);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS mcp_servers_notify_insert_delete ON omni2.mcp_servers;
CREATE TRIGGER mcp_servers_notify_insert_delete
    AFTER INSERT OR DELETE ON omni2.mcp_servers
    FOR EACH ROW EXECUTE FUNCTION omni2.notify_mcp_server_change();

DROP TRIGGER IF EXISTS mcp_servers_notify_update ON omni2.mcp_servers;
CREATE TRIGGER mcp_servers_notify_update
    AFTER UPDATE OF name, transport, url, command, args, env, headers, enabled, allowed_roles,
                    health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds,
                    call_timeout_seconds, max_concurrent_calls, tool_roles
    ON omni2.mcp_servers
    FOR EACH ROW
    WHEN ((OLD.name, OLD.transport, OLD.url, OLD.command, OLD.args, OLD.env, OLD.headers, OLD.enabled,
           OLD.allowed_roles, OLD.health_check_interval_seconds, OLD.check_timeout_seconds,
           OLD.connect_timeout_seconds, OLD.call_timeout_seconds, OLD.max_concurrent_calls, OLD.tool_roles)
          IS DISTINCT FROM
          (NEW.name, NEW.transport, NEW.url, NEW.command, NEW.args, NEW.env, NEW.headers, NEW.enabled,
           NEW.allowed_roles, NEW.health_check_interval_seconds, NEW.check_timeout_seconds,
           NEW.connect_timeout_seconds, NEW.call_timeout_seconds, NEW.max_concurrent_calls, NEW.tool_roles))
    EXECUTE FUNCTION omni2.notify_mcp_server_change();
