-- =============================================================================
-- Omni2.Orleans -- 002: cluster membership (Microsoft.Orleans.Clustering.AdoNet)
--
-- Requires 001_orleans_query.sql. Idempotent; plain SQL (psql -f or a single
-- Npgsql command text).
--
-- Contract with the provider (10.4.x), which must not be changed:
--   * query keys       : UpdateIAmAlivetimeKey, InsertMembershipVersionKey,
--                        InsertMembershipKey, UpdateMembershipKey,
--                        GatewaysQueryKey, MembershipReadRowKey,
--                        MembershipReadAllKey, DeleteMembershipTableEntriesKey,
--                        CleanupDefunctSiloEntriesKey (all mandatory) and
--                        CleanupDefunctSiloEntryKey (optional; when present
--                        the provider uses it instead of the bulk cleanup);
--   * parameters       : @DeploymentId (= ClusterId), @Address (text),
--                        @Port, @Generation, @SiloName, @HostName, @Status,
--                        @ProxyPort, @StartTime, @IAmAliveTime,
--                        @SuspectTimes (text or NULL), @Version (int etag);
--   * result columns   : read by name -- Address, Port, Generation, SiloName,
--                        HostName, Status, ProxyPort, SuspectTimes, StartTime,
--                        IAmAliveTime, Version; the boolean-style queries must
--                        return exactly one row with exactly one column.
--   * membership reads must return the version row even when no silo row
--     matches (LEFT JOIN), because the provider takes the table etag from the
--     first row and treats a NULL StartTime as "no member".
--
-- SiloStatus values used here: 3 = Active, 6 = Dead.
-- =============================================================================

BEGIN;

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------

-- One row per cluster: the optimistic-concurrency "table version" (etag).
CREATE TABLE IF NOT EXISTS public.OrleansMembershipVersionTable
(
    DeploymentId text        NOT NULL,
    Timestamp    timestamptz NOT NULL DEFAULT now(),
    Version      integer     NOT NULL DEFAULT 0,

    CONSTRAINT pk_orleans_membership_version PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address + port + generation).
CREATE TABLE IF NOT EXISTS public.OrleansMembershipTable
(
    DeploymentId text        NOT NULL,
    Address      varchar(45) NOT NULL,
    Port         integer     NOT NULL,
    Generation   integer     NOT NULL,
    SiloName     text        NOT NULL,
    HostName     text        NOT NULL,
    Status       integer     NOT NULL,
    ProxyPort    integer     NOT NULL DEFAULT 0,
    SuspectTimes text        NULL,
    StartTime    timestamptz NOT NULL,
    IAmAliveTime timestamptz NOT NULL,

    CONSTRAINT pk_orleans_membership PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT fk_orleans_membership_version FOREIGN KEY (DeploymentId)
        REFERENCES public.OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
);

-- -----------------------------------------------------------------------------
-- Conditional writes. Each one bumps the cluster version only when the
-- caller's etag is current and rolls the bump back (by raising a private
-- SQLSTATE caught in the same block) when the silo row itself cannot be
-- written. PL/pgSQL ASSERT is deliberately not used: it can be switched off
-- with plpgsql.check_asserts.
-- -----------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION public.omni2_membership_add_silo(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_silo_name        text,
    p_host_name        text,
    p_status           integer,
    p_proxy_port       integer,
    p_start_time       timestamptz,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
    n integer;
BEGIN
    -- Locks the version row: concurrent membership writers queue up here.
    UPDATE public.OrleansMembershipVersionTable
       SET Version   = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = p_deployment_id
       AND Version      = p_expected_version;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN false;                       -- stale etag (or unknown cluster)
    END IF;

    INSERT INTO public.OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName,
         Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
         p_status, p_proxy_port, p_start_time, p_i_am_alive_time)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'OM001', MESSAGE = 'silo row already present';
    END IF;

    RETURN true;
EXCEPTION
    WHEN SQLSTATE 'OM001' THEN
        RETURN false;                       -- version bump rolled back with the block
END;
$fn$;

CREATE OR REPLACE FUNCTION public.omni2_membership_change_silo(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_status           integer,
    p_suspect_times    text,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
    n integer;
BEGIN
    UPDATE public.OrleansMembershipVersionTable
       SET Version   = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = p_deployment_id
       AND Version      = p_expected_version;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN false;
    END IF;

    UPDATE public.OrleansMembershipTable
       SET Status       = p_status,
           SuspectTimes = p_suspect_times,
           IAmAliveTime = p_i_am_alive_time
     WHERE DeploymentId = p_deployment_id
       AND Address      = p_address
       AND Port         = p_port
       AND Generation   = p_generation;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'OM002', MESSAGE = 'silo row not found';
    END IF;

    RETURN true;
EXCEPTION
    WHEN SQLSTATE 'OM002' THEN
        RETURN false;
END;
$fn$;

-- -----------------------------------------------------------------------------
-- Query catalogue entries
-- -----------------------------------------------------------------------------

INSERT INTO public.OrleansQuery (QueryKey, QueryText)
VALUES
(
    'InsertMembershipVersionKey',
    $q$
    WITH created AS
    (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId)
        VALUES (@DeploymentId)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer AS Inserted FROM created;
    $q$
),
(
    'InsertMembershipKey',
    $q$
    SELECT omni2_membership_add_silo(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS Succeeded;
    $q$
),
(
    'UpdateMembershipKey',
    $q$
    SELECT omni2_membership_change_silo(
        @DeploymentId, @Address, @Port, @Generation,
        @Status, @SuspectTimes, @IAmAliveTime, @Version) AS Succeeded;
    $q$
),
(
    -- Heartbeat: touches only the liveness column, never the cluster version.
    'UpdateIAmAlivetimeKey',
    $q$
    UPDATE OrleansMembershipTable
       SET IAmAliveTime = @IAmAliveTime
     WHERE DeploymentId = @DeploymentId
       AND Address      = @Address
       AND Port         = @Port
       AND Generation   = @Generation;
    $q$
),
(
    'MembershipReadRowKey',
    $q$
    SELECT v.DeploymentId,
           m.Address, m.Port, m.Generation, m.SiloName, m.HostName,
           m.Status, m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime,
           v.Version
      FROM OrleansMembershipVersionTable AS v
      LEFT JOIN OrleansMembershipTable AS m
             ON m.DeploymentId = v.DeploymentId
            AND m.Address      = @Address
            AND m.Port         = @Port
            AND m.Generation   = @Generation
     WHERE v.DeploymentId = @DeploymentId;
    $q$
),
(
    'MembershipReadAllKey',
    $q$
    SELECT v.DeploymentId,
           m.Address, m.Port, m.Generation, m.SiloName, m.HostName,
           m.Status, m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime,
           v.Version
      FROM OrleansMembershipVersionTable AS v
      LEFT JOIN OrleansMembershipTable AS m
             ON m.DeploymentId = v.DeploymentId
     WHERE v.DeploymentId = @DeploymentId;
    $q$
),
(
    -- Used by clients/gateway list providers: active silos with a gateway port.
    'GatewaysQueryKey',
    $q$
    SELECT Address, ProxyPort, Generation
      FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Status       = @Status
       AND ProxyPort    > 0;
    $q$
),
(
    -- Removes the whole cluster (silo rows first, then its version row).
    'DeleteMembershipTableEntriesKey',
    $q$
    DELETE FROM OrleansMembershipTable        WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
    $q$
),
(
    -- Bulk fallback (only used when CleanupDefunctSiloEntryKey is absent):
    -- dead silos that started and last heartbeated before the cut-off.
    'CleanupDefunctSiloEntriesKey',
    $q$
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Status       = 6
       AND IAmAliveTime < @IAmAliveTime
       AND StartTime    < @IAmAliveTime;
    $q$
),
(
    -- Per-row cleanup: the provider picks expired dead silos itself and asks
    -- to delete each one only if the row is still exactly as it read it.
    'CleanupDefunctSiloEntryKey',
    $q$
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Address      = @Address
       AND Port         = @Port
       AND Generation   = @Generation
       AND Status       = 6
       AND StartTime    = @StartTime
       AND IAmAliveTime = @IAmAliveTime
       AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');
    $q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

COMMIT;
