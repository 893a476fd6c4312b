-- Hot reload from SQL: every change to a server's configuration in omni2.mcp_servers (insert, update,
-- delete, by any tool) sends NOTIFY omni2_mcp_servers with the server's name once the transaction commits.
-- Each silo LISTENs (Omni2.Grains/Registry/RowChangeListener.cs) and has the registry reload that row; the
-- registry's 30 s scan stays as the safety net. Updates of the status columns alone (the grains write them
-- on every transition and check) notify nothing: the WHEN clause compares the rows without them, so a
-- configuration column added later notifies without a change here.
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
    AFTER UPDATE ON omni2.mcp_servers
    FOR EACH ROW
    WHEN ((to_jsonb(OLD) - ARRAY['updated_at', 'health_status', 'circuit_state', 'consecutive_failures',
                                  'last_recovery_attempt', 'total_downtime_seconds', 'last_check_at', 'last_error',
                                  'tool_count', 'next_attempt_at', 'status_version'])
          IS DISTINCT FROM
          (to_jsonb(NEW) - ARRAY['updated_at', 'health_status', 'circuit_state', 'consecutive_failures',
                                  'last_recovery_attempt', 'total_downtime_seconds', 'last_check_at', 'last_error',
                                  'tool_count', 'next_attempt_at', 'status_version']))
    EXECUTE FUNCTION omni2.notify_mcp_server_change();
