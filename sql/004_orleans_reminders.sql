-- =============================================================================
-- Omni2.Orleans -- 004: reminders (Microsoft.Orleans.Reminders.AdoNet)
--
-- Requires 001_orleans_query.sql. Idempotent; plain SQL (psql -f or a single
-- Npgsql command text).
--
-- Contract with the provider (10.4.x), which must not be changed:
--   * query keys   : UpsertReminderRowKey, ReadReminderRowsKey,
--                    ReadReminderRowKey, ReadRangeRows1Key, ReadRangeRows2Key,
--                    DeleteReminderRowKey, DeleteReminderRowsKey (all mandatory);
--   * parameters   : @ServiceId, @GrainId (text), @ReminderName,
--                    @StartTime, @Period (milliseconds; sent as int, or as
--                    bigint when > int.MaxValue), @GrainHash / @BeginHash /
--                    @EndHash (uint hashes reinterpreted as signed int),
--                    @Version (int etag);
--   * result columns read by name: GrainId, ReminderName, StartTime,
--                    Period (read with GetInt64 -> must be bigint), Version;
--                    upsert returns the new Version; delete returns one row
--                    with one column (true/false).
--   * ring ranges are (BeginHash, EndHash] in signed order: the provider uses
--     ReadRangeRows1Key when (int)begin < (int)end, otherwise the wrapping
--     ReadRangeRows2Key (which also covers begin = end, i.e. the full ring).
-- =============================================================================

BEGIN;

CREATE TABLE IF NOT EXISTS public.OrleansRemindersTable
(
    ServiceId    text        NOT NULL,
    GrainId      text        NOT NULL,
    ReminderName text        NOT NULL,
    StartTime    timestamptz NOT NULL,
    Period       bigint      NOT NULL,
    GrainHash    integer     NOT NULL,
    Version      integer     NOT NULL,

    CONSTRAINT pk_orleans_reminders PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Range scans by the reminder service (each silo owns a slice of the ring).
CREATE INDEX IF NOT EXISTS ix_orleans_reminders_ring
    ON public.OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO public.OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- Insert at version 0, or replace schedule and advance the version.
    'UpsertReminderRowKey',
    $q$
    INSERT INTO OrleansRemindersTable AS r
        (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES
        (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
       SET StartTime = EXCLUDED.StartTime,
           Period    = EXCLUDED.Period,
           GrainHash = EXCLUDED.GrainHash,
           Version   = r.Version + 1
    RETURNING r.Version AS Version;
    $q$
),
(
    'ReadReminderRowsKey',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId   = @GrainId;
    $q$
),
(
    'ReadReminderRowKey',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId    = @ServiceId
       AND GrainId      = @GrainId
       AND ReminderName = @ReminderName;
    $q$
),
(
    'ReadRangeRows1Key',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainHash > @BeginHash
       AND GrainHash <= @EndHash;
    $q$
),
(
    'ReadRangeRows2Key',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
    $q$
),
(
    -- Etag-checked delete of one reminder.
    'DeleteReminderRowKey',
    $q$
    WITH removed AS
    (
        DELETE FROM OrleansRemindersTable
         WHERE ServiceId    = @ServiceId
           AND GrainId      = @GrainId
           AND ReminderName = @ReminderName
           AND Version      = @Version
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM removed) AS Deleted;
    $q$
),
(
    'DeleteReminderRowsKey',
    $q$
    DELETE FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId;
    $q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

COMMIT;
