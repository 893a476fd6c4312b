-- The omni2 schema: server configuration (owned by the admin API) with the status columns
-- each server's grain projects (owned by that grain), and the append-only health log.
-- Idempotent: safe to apply on every deploy.

CREATE SCHEMA IF NOT EXISTS omni2;

CREATE TABLE IF NOT EXISTS omni2.mcp_servers
(
    id                            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                          varchar(63)  NOT NULL UNIQUE
                                  CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    transport                     varchar(20)  NOT NULL
                                  CHECK (transport IN ('streamable_http', 'sse', 'stdio')),
    url                           text,
    command                       text,
    args                          jsonb        NOT NULL DEFAULT '[]'::jsonb,
    -- Secrets: used to reach the server, never returned by the API or logged.
    env                           jsonb        NOT NULL DEFAULT '{}'::jsonb,
    headers                       jsonb        NOT NULL DEFAULT '{}'::jsonb,
    enabled                       boolean      NOT NULL DEFAULT true,
    -- Empty means every role may see and call the server.
    allowed_roles                 text[]       NOT NULL DEFAULT '{}',
    health_check_interval_seconds integer      NOT NULL DEFAULT 30 CHECK (health_check_interval_seconds BETWEEN 1 AND 86400),
    check_timeout_seconds         integer      NOT NULL DEFAULT 5  CHECK (check_timeout_seconds BETWEEN 1 AND 600),
    connect_timeout_seconds       integer      NOT NULL DEFAULT 10 CHECK (connect_timeout_seconds BETWEEN 1 AND 600),
    call_timeout_seconds          integer      NOT NULL DEFAULT 60 CHECK (call_timeout_seconds BETWEEN 1 AND 3600),
    created_at                    timestamptz  NOT NULL DEFAULT now(),
    updated_at                    timestamptz  NOT NULL DEFAULT now(),

    -- Status, written only by the server's grain (the seed's columns plus what the catalog shows).
    health_status                 varchar(20)  NOT NULL DEFAULT 'unknown'
                                  CHECK (health_status IN ('unknown', 'healthy', 'disconnected', 'circuit_open', 'disabled')),
    circuit_state                 varchar(20)  NOT NULL DEFAULT 'closed'
                                  CHECK (circuit_state IN ('closed', 'open', 'half_open')),
    consecutive_failures          integer      NOT NULL DEFAULT 0,
    last_recovery_attempt         timestamptz,
    total_downtime_seconds        integer      NOT NULL DEFAULT 0,
    last_check_at                 timestamptz,
    last_error                    text,
    tool_count                    integer      NOT NULL DEFAULT 0,
    next_attempt_at               timestamptz,
    -- The grain's status version: a late write of an older status never overwrites a newer one.
    status_version                bigint       NOT NULL DEFAULT 0,

    CONSTRAINT mcp_servers_target CHECK (
        (transport = 'stdio' AND command IS NOT NULL) OR (transport <> 'stdio' AND url IS NOT NULL))
);

CREATE TABLE IF NOT EXISTS omni2.mcp_health_log
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Chosen by the grain before the write, so a retried write never records a transition twice.
    event_id    uuid         NOT NULL UNIQUE,
    server_name varchar(63)  NOT NULL,
    event_type  varchar(32)  NOT NULL
                CHECK (event_type IN ('connected', 'disconnected', 'recovery_attempt', 'recovery_success',
                                      'circuit_opened', 'circuit_closed', 'manually_disabled',
                                      'manually_enabled', 'auto_disabled')),
    old_status  varchar(20)  NOT NULL,
    new_status  varchar(20)  NOT NULL,
    reason      text,
    details     jsonb        NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz  NOT NULL DEFAULT now()
);

-- The health log outlives its server's row (no foreign key): history stays after a delete.
-- The API pages one server's log newest first by id (WHERE server_name = $1 AND id < $2 ORDER BY id DESC).
DROP INDEX IF EXISTS omni2.mcp_health_log_server_newest;
CREATE INDEX IF NOT EXISTS mcp_health_log_server_page
    ON omni2.mcp_health_log (server_name, id DESC);
-- Retention deletes by age (Omni2:HealthLog:Retention); rows arrive in time order, so a BRIN index is enough.
CREATE INDEX IF NOT EXISTS mcp_health_log_created_at
    ON omni2.mcp_health_log USING brin (created_at);

-- How many tool calls may be in flight to the server at once (more get 503 with Retry-After).
ALTER TABLE omni2.mcp_servers ADD COLUMN IF NOT EXISTS max_concurrent_calls integer NOT NULL DEFAULT 32
    CHECK (max_concurrent_calls BETWEEN 1 AND 10000);

-- The tool list the grain last saw, so every silo's catalog can load without asking each grain.
ALTER TABLE omni2.mcp_servers ADD COLUMN IF NOT EXISTS tools jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Per-tool permissions: tool name -> the roles that may see and call it (the lowest named counts, on top of
-- allowed_roles); a tool not named follows allowed_roles.
ALTER TABLE omni2.mcp_servers ADD COLUMN IF NOT EXISTS tool_roles jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(tool_roles) = 'object');

-- Server names never hold "__" nor end in "_": a tool's qualified name server__tool splits one way only.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'mcp_servers_name_splits_once') THEN
        ALTER TABLE omni2.mcp_servers
            ADD CONSTRAINT mcp_servers_name_splits_once CHECK (position('__' in name) = 0 AND name !~ '_$');
    END IF;
END
$$;

-- Revoked tokens (POST /api/v1/auth/revocations): one token by its jti, or every token of a user issued up to
-- revoked_at. Every silo reads the new rows (id > the last it saw) twice a second.
CREATE TABLE IF NOT EXISTS omni2.token_revocations (
    id          bigserial    PRIMARY KEY,
    jti         text,
    user_name   text,
    revoked_at  timestamptz  NOT NULL DEFAULT now(),
    revoked_by  text         NOT NULL,
    CHECK ((jti IS NULL) <> (user_name IS NULL))
);
