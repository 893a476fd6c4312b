-- Tool-definition pinning (Omni2:Tools:Pinning): per server and tool, the digest and canonical JSON
-- of the definition an admin approved (or that was trusted when first seen), and while one awaits
-- approval, the changed definition the server presented. Written only by the server's grain, the one
-- place that decides; a server's pins go with its row, so a server registered again is trusted anew.
-- Idempotent: safe to apply on every deploy.

CREATE TABLE IF NOT EXISTS omni2.mcp_tool_pins
(
    server_name        varchar(63)  NOT NULL REFERENCES omni2.mcp_servers (name) ON DELETE CASCADE,
    tool               text         NOT NULL,
    approved_digest    varchar(71)  NOT NULL,
    approved_definition jsonb       NOT NULL,
    approved_at        timestamptz  NOT NULL,
    pending_digest     varchar(71),
    pending_definition jsonb,
    changed_at         timestamptz,
    PRIMARY KEY (server_name, tool),
    CONSTRAINT mcp_tool_pins_pending CHECK ((pending_digest IS NULL) = (pending_definition IS NULL))
);
