-- =============================================================================
-- Omni2.Orleans -- 003: grain state storage (Microsoft.Orleans.Persistence.AdoNet)
--
-- Requires 001_orleans_query.sql. Idempotent; plain SQL (psql -f or a single
-- Npgsql command text).
--
-- Contract with the provider (10.4.x), which must not be changed:
--   * query keys     : ReadFromStorageKey, WriteToStorageKey, ClearStorageKey
--                      (mandatory) and DeleteStorageKey (needed only when
--                      AdoNetGrainStorageOptions.DeleteStateOnClear = true);
--   * parameters     : @GrainIdHash (int), @GrainIdN0 / @GrainIdN1 (bigint),
--                      @GrainTypeHash (int), @GrainTypeString (text),
--                      @GrainIdExtensionString (text, NULL when the grain key
--                      has no string part), @ServiceId (text),
--                      @GrainStateVersion (int or NULL = "never read/written"),
--                      @PayloadBinary (bytea);
--   * results        : read  -> columns PayloadBinary, Version (by name);
--                      write -> column NewGrainStateVersion;
--                      clear/delete -> one row whose first column is the new
--                      version, or no row when the etag did not match.
--   A write/clear that did not happen must NOT report a new version: the
--   provider then raises InconsistentStateException (etag conflict).
--
-- One storage table is shared by every grain type and every named provider
-- instance; rows are told apart by ServiceId + grain type + grain id.
-- =============================================================================

BEGIN;

CREATE TABLE IF NOT EXISTS public.OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NULL,
    ServiceId              text        NOT NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),
    Version                integer     NULL
);

-- Lookups always carry both hashes; the remaining key columns are filtered
-- after the index scan.
CREATE INDEX IF NOT EXISTS ix_orleansstorage_lookup
    ON public.OrleansStorage (GrainIdHash, GrainTypeHash);

-- Write = optimistic update when the caller holds an etag, otherwise a
-- first insert. First inserts of the same (grain id hash, grain type hash)
-- are serialised with a transaction-scoped advisory lock, so two racing
-- activations cannot both create a row (there is no unique key on the
-- nullable, unbounded natural key). Returns the new version, or NULL when
-- nothing was written (etag conflict).
CREATE OR REPLACE FUNCTION public.omni2_grain_state_write(
    p_grain_id_hash       integer,
    p_grain_id_n0         bigint,
    p_grain_id_n1         bigint,
    p_grain_type_hash     integer,
    p_grain_type          text,
    p_grain_id_extension  text,
    p_service_id          text,
    p_expected_version    integer,
    p_payload             bytea)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    IF p_expected_version IS NOT NULL THEN
        UPDATE public.OrleansStorage
           SET PayloadBinary = p_payload,
               ModifiedOn    = now(),
               Version       = Version + 1
         WHERE GrainIdHash   = p_grain_id_hash
           AND GrainTypeHash = p_grain_type_hash
           AND GrainIdN0     = p_grain_id_n0
           AND GrainIdN1     = p_grain_id_n1
           AND GrainTypeString = p_grain_type
           AND GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_extension
           AND ServiceId     = p_service_id
           AND Version       = p_expected_version
        RETURNING Version INTO v_new_version;

        RETURN v_new_version;               -- NULL: stale etag or row gone
    END IF;

    PERFORM pg_advisory_xact_lock(p_grain_id_hash, p_grain_type_hash);

    -- Runs with a fresh snapshot (READ COMMITTED), so it sees a row that a
    -- competing writer committed while we waited for the lock.
    IF EXISTS (
        SELECT 1
          FROM public.OrleansStorage
         WHERE GrainIdHash   = p_grain_id_hash
           AND GrainTypeHash = p_grain_type_hash
           AND GrainIdN0     = p_grain_id_n0
           AND GrainIdN1     = p_grain_id_n1
           AND GrainTypeString = p_grain_type
           AND GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_extension
           AND ServiceId     = p_service_id)
    THEN
        RETURN NULL;                        -- someone else owns this state already
    END IF;

    INSERT INTO public.OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
         GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    VALUES
        (p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_type_hash, p_grain_type,
         p_grain_id_extension, p_service_id, p_payload, now(), 1);

    RETURN 1;
END;
$fn$;

INSERT INTO public.OrleansQuery (QueryKey, QueryText)
VALUES
(
    'WriteToStorageKey',
    $q$
    SELECT omni2_grain_state_write(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)
        AS NewGrainStateVersion;
    $q$
),
(
    'ReadFromStorageKey',
    $q$
    SELECT PayloadBinary, Version
      FROM OrleansStorage
     WHERE GrainIdHash   = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND GrainIdN0     = @GrainIdN0
       AND GrainIdN1     = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
       AND ServiceId     = @ServiceId;
    $q$
),
(
    -- Clear keeps the row (payload NULL) and advances the version, so the
    -- grain's next write continues from the returned etag.
    'ClearStorageKey',
    $q$
    UPDATE OrleansStorage
       SET PayloadBinary = NULL,
           ModifiedOn    = now(),
           Version       = Version + 1
     WHERE GrainIdHash   = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND GrainIdN0     = @GrainIdN0
       AND GrainIdN1     = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
       AND ServiceId     = @ServiceId
       AND Version       = @GrainStateVersion
    RETURNING Version AS NewGrainStateVersion;
    $q$
),
(
    -- DeleteStateOnClear = true: remove the row. The provider expects
    -- "deleted version + 1" back as proof that the delete happened.
    'DeleteStorageKey',
    $q$
    DELETE FROM OrleansStorage
     WHERE GrainIdHash   = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND GrainIdN0     = @GrainIdN0
       AND GrainIdN1     = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
       AND ServiceId     = @ServiceId
       AND Version       = @GrainStateVersion
    RETURNING Version + 1 AS NewGrainStateVersion;
    $q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

COMMIT;
