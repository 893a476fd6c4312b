-- The audit of tool calls: one row per call, REST or /mcp, allowed or refused, written in batches
-- by the silo that served it. Never the call's arguments or result, only the arguments' size.
-- Idempotent: safe to apply on every deploy.

CREATE TABLE IF NOT EXISTS omni2.tool_call_log
(
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    called_at      timestamptz      NOT NULL,
    user_name      text             NOT NULL,
    roles          text[]           NOT NULL DEFAULT '{}',
    -- What the request named (cut to 128 characters), when it named anything: a refused call may not.
    server_name    varchar(128),
    tool           varchar(128),
    route          varchar(8)       NOT NULL CHECK (route IN ('rest', 'mcp')),
    outcome        varchar(32)      NOT NULL,
    http_status    smallint         NOT NULL,
    duration_ms    double precision NOT NULL,
    argument_bytes integer          NOT NULL DEFAULT 0,
    trace_id       varchar(32)
);

-- The audit query pages newest first, optionally by server or user; retention deletes by age.
CREATE INDEX IF NOT EXISTS tool_call_log_called_at ON omni2.tool_call_log (called_at DESC);
CREATE INDEX IF NOT EXISTS tool_call_log_server ON omni2.tool_call_log (server_name, called_at DESC);
CREATE INDEX IF NOT EXISTS tool_call_log_user ON omni2.tool_call_log (user_name, called_at DESC);
