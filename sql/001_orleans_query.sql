-- =============================================================================
-- Omni2.Orleans -- 001: Orleans query catalogue (PostgreSQL 15+)
--
-- The Orleans ADO.NET providers (clustering, grain persistence, reminders)
-- do not embed their SQL. At start-up each provider runs
--
--     SELECT QueryKey, QueryText FROM OrleansQuery
--
-- and afterwards executes the QueryText stored under each key it needs,
-- binding its own named parameters (@DeploymentId, @GrainIdHash, ...).
-- Later scripts (002..004) register their statements in this table.
--
-- Contract with the providers:
--   * table name OrleansQuery, columns QueryKey / QueryText (read by name);
--   * exactly one row per QueryKey.
--
-- Idempotent: safe to run any number of times; no psql meta-commands, so it
-- can be executed by psql -f as well as as a single Npgsql command text.
-- =============================================================================

BEGIN;

CREATE TABLE IF NOT EXISTS public.OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,

    CONSTRAINT pk_orleansquery PRIMARY KEY (QueryKey)
);

COMMENT ON TABLE public.OrleansQuery IS
    'Omni2.Orleans: SQL statements executed by the Orleans ADO.NET providers, keyed by the provider''s query name.';

COMMIT;
