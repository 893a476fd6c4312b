-- What lets a silo's catalog resync read only the rows that changed (Host/Catalog/CatalogFeed): every insert,
-- and every update of a column the catalog holds except last_check_at (the live last check, written for every
-- check and carried by the status feed), takes the next catalog_version, and one that changes tools or listings
-- also makes it the row's lists_version. A resync asks for the rows whose catalog_version is past the mark of
-- its last read, and sends a row's tools and listings only when its lists_version is too. Not configuration
-- columns: the NOTIFY trigger (012) never fires for them.
-- Idempotent: safe to apply on every deploy.

CREATE SEQUENCE IF NOT EXISTS omni2.mcp_servers_catalog_version;

-- A volatile default gives every existing row its own version when the column is added.
ALTER TABLE omni2.mcp_servers ADD COLUMN IF NOT EXISTS catalog_version bigint NOT NULL DEFAULT nextval('omni2.mcp_servers_catalog_version');
ALTER TABLE omni2.mcp_servers ADD COLUMN IF NOT EXISTS lists_version bigint NOT NULL DEFAULT 0;
UPDATE omni2.mcp_servers SET lists_version = catalog_version WHERE lists_version = 0;

CREATE INDEX IF NOT EXISTS mcp_servers_catalog_version ON omni2.mcp_servers (catalog_version);

CREATE OR REPLACE FUNCTION omni2.mcp_servers_catalog_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.catalog_version := nextval('omni2.mcp_servers_catalog_version');
    IF TG_OP = 'INSERT' OR NEW.tools IS DISTINCT FROM OLD.tools OR NEW.listings IS DISTINCT FROM OLD.listings THEN
        NEW.lists_version := NEW.catalog_version;
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS mcp_servers_catalog_version ON omni2.mcp_servers;
CREATE TRIGGER mcp_servers_catalog_version
    BEFORE INSERT OR UPDATE OF name, transport, enabled, allowed_roles, tool_roles, health_status, circuit_state,
        consecutive_failures, last_error, last_recovery_attempt, total_downtime_seconds, next_attempt_at, tool_count,
        status_version, tools, listings
    ON omni2.mcp_servers
    FOR EACH ROW EXECUTE FUNCTION omni2.mcp_servers_catalog_version();
