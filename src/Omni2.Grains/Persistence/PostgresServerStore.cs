using System.Collections.Immutable;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>The <c>omni2</c> schema in PostgreSQL: configuration rows, status columns and the health log.</summary>
public sealed partial class PostgresServerStore(NpgsqlDataSource dataSource) : IServerConfigSource, IStatusProjection, IHealthLogReader, IHealthLogRetention, ICatalogSource, IServerAdminStore
{
    private const string ConfigColumns = """
        name, transport, url, command, args, env, headers, enabled, allowed_roles,
        health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds, call_timeout_seconds, updated_at,
        max_concurrent_calls, tool_roles
        """;

    public async Task<IReadOnlyList<McpServerConfig>> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ConfigColumns} FROM omni2.mcp_servers ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<McpServerConfig>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadConfig(reader));
        }
        return rows;
    }

    public async Task<McpServerConfig?> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ConfigColumns} FROM omni2.mcp_servers WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadConfig(reader) : null;
    }

    public async Task WriteAsync(McpServerStatus status, ImmutableArray<McpToolInfo> tools, McpServerListings listings, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(UpdateStatus(status, tools, listings));
        foreach (var entry in entries)
        {
            batch.BatchCommands.Add(InsertLogEntry(entry));
        }
        await using (batch)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task WriteLastChecksAsync(IReadOnlyList<ServerCheck> checks, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE omni2.mcp_servers AS s SET last_check_at = c.at
            FROM unnest($1::text[], $2::timestamptz[]) AS c(name, at)
            WHERE s.name = c.name AND (s.last_check_at IS NULL OR s.last_check_at < c.at)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = checks.Select(c => c.Name).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = checks.Select(c => c.At).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM omni2.mcp_health_log WHERE created_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = cutoff });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<HealthLogRecord>> ReadAsync(string serverName, int limit, long? beforeId = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT event_id, server_name, event_type, old_status, new_status, reason, details::text, created_at, id
            FROM omni2.mcp_health_log
            WHERE server_name = $1 AND ($2::bigint IS NULL OR id < $2) AND ($4::timestamptz IS NULL OR created_at >= $4)
            ORDER BY id DESC
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = serverName });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)beforeId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)since ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<HealthLogRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new HealthLogRecord(reader.GetInt64(8), new HealthLogEntry
            {
                EventId = reader.GetGuid(0),
                ServerName = reader.GetString(1),
                EventType = WireNames.ParseEvent(reader.GetString(2)),
                OldStatus = WireNames.ParseStatus(reader.GetString(3)),
                NewStatus = WireNames.ParseStatus(reader.GetString(4)),
                Reason = reader.IsDBNull(5) ? null : reader.GetString(5),
                DetailsJson = reader.GetString(6),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(7),
            }));
        }
        return entries;
    }

    public async Task<CatalogRead> LoadCatalogAsync(IReadOnlyDictionary<string, Guid>? listsHeld = null, long changedAfter = 0, CancellationToken cancellationToken = default)
    {
        // Tools and listings travel only where the reader's digest differs, or, reading changes, where they changed
        // (sql/015): at 10,000 servers they are most of the bytes. The count and the mark come from the same
        // snapshot as the rows (one statement): a row without a match still brings them.
        await using var command = dataSource.CreateCommand("""
            WITH t AS (SELECT count(*)::int AS servers, coalesce(max(catalog_version), 0) AS mark FROM omni2.mcp_servers)
            SELECT s.name, s.transport, s.enabled, s.allowed_roles, s.health_status, s.circuit_state, s.consecutive_failures,
                   s.last_check_at, s.last_error, s.last_recovery_attempt, s.total_downtime_seconds, s.next_attempt_at,
                   s.tool_count, s.status_version, s.tool_roles::text, d.digest,
                   CASE WHEN h.digest IS NOT DISTINCT FROM d.digest OR s.lists_version <= $3 THEN NULL ELSE s.tools::text END,
                   CASE WHEN h.digest IS NOT DISTINCT FROM d.digest OR s.lists_version <= $3 THEN NULL ELSE s.listings::text END,
                   t.servers, t.mark
            FROM t
            LEFT JOIN omni2.mcp_servers s ON s.catalog_version > $3
            LEFT JOIN LATERAL (SELECT md5(s.tools::text || s.listings::text)::uuid AS digest) d ON true
            LEFT JOIN unnest($1::text[], $2::uuid[]) AS h(name, digest) ON h.name = s.name
            ORDER BY s.name
            """);
        KeyValuePair<string, Guid>[] held = [.. listsHeld ?? new Dictionary<string, Guid>()];
        command.Parameters.Add(new NpgsqlParameter { Value = held.Select(h => h.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = held.Select(h => h.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = changedAfter, NpgsqlDbType = NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CatalogEntry>();
        var (count, mark) = (0, 0L);
        while (await reader.ReadAsync(cancellationToken))
        {
            (count, mark) = (reader.GetInt32(18), reader.GetInt64(19));
            if (reader.IsDBNull(0))
            {
                continue; // nothing changed: the count and the mark alone
            }
            var name = reader.GetString(0);
            WireNames.TryParseTransport(reader.GetString(1), out var transport);
            rows.Add(new CatalogEntry(
                new McpServerInfo(name, transport, reader.GetBoolean(2), [.. reader.GetFieldValue<string[]>(3)], ReadToolRoles(reader.GetString(14))),
                new McpServerStatus
                {
                    Name = name,
                    Status = WireNames.ParseStatus(reader.GetString(4)),
                    Circuit = WireNames.ParseCircuit(reader.GetString(5)),
                    ConsecutiveFailures = reader.GetInt32(6),
                    LastCheckAt = NullableTimestamp(reader, 7),
                    LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
                    LastRecoveryAttempt = NullableTimestamp(reader, 9),
                    TotalDowntimeSeconds = reader.GetInt32(10),
                    NextAttemptAt = NullableTimestamp(reader, 11),
                    ToolCount = reader.GetInt32(12),
                    Version = reader.GetInt64(13),
                },
                reader.IsDBNull(16) ? default : ToolsJson.Deserialize(reader.GetString(16)))
            {
                Listings = reader.IsDBNull(17) ? McpServerListings.Empty : ListingsJson.Deserialize(reader.GetString(17)),
                ListsDigest = reader.GetGuid(15),
            });
        }
        return new CatalogRead(rows, Complete: changedAfter == 0, count, mark);
    }

    public async Task<bool> CreateAsync(McpServerConfig config, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO omni2.mcp_servers (name, transport, url, command, args, env, headers, enabled, allowed_roles,
                health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds, call_timeout_seconds, max_concurrent_calls, tool_roles)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15::jsonb)
            ON CONFLICT (name) DO NOTHING
            """);
        AddConfigParameters(command, config);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> UpdateAsync(McpServerConfig config, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE omni2.mcp_servers SET transport = $2, url = $3, command = $4, args = $5::jsonb, env = $6::jsonb,
                headers = $7::jsonb, enabled = $8, allowed_roles = $9, health_check_interval_seconds = $10,
                check_timeout_seconds = $11, connect_timeout_seconds = $12, call_timeout_seconds = $13, max_concurrent_calls = $14,
                tool_roles = $15::jsonb, updated_at = now()
            WHERE name = $1
            """);
        AddConfigParameters(command, config);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM omni2.mcp_servers WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE omni2.mcp_servers SET enabled = $2, updated_at = now() WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = enabled });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static void AddConfigParameters(NpgsqlCommand command, McpServerConfig config)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = config.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = config.Transport.ToWire() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)config.Url ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)config.Command ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(config.Args) });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(config.Env) });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(config.Headers) });
        command.Parameters.Add(new NpgsqlParameter { Value = config.Enabled });
        command.Parameters.Add(new NpgsqlParameter { Value = config.AllowedRoles.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = config.HealthCheckIntervalSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = config.CheckTimeoutSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = config.ConnectTimeoutSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = config.CallTimeoutSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = config.MaxConcurrentCalls });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(config.ToolRoles) });
    }

    private static ImmutableDictionary<string, ImmutableArray<string>> ReadToolRoles(string json) =>
        JsonSerializer.Deserialize<ImmutableDictionary<string, ImmutableArray<string>>>(json) ?? ImmutableDictionary<string, ImmutableArray<string>>.Empty;

    private static DateTimeOffset? NullableTimestamp(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static NpgsqlBatchCommand UpdateStatus(McpServerStatus status, ImmutableArray<McpToolInfo> tools, McpServerListings listings)
    {
        var command = new NpgsqlBatchCommand("""
            UPDATE omni2.mcp_servers SET
                health_status = $2, circuit_state = $3, consecutive_failures = $4, last_recovery_attempt = $5,
                total_downtime_seconds = $6, last_check_at = GREATEST(last_check_at, $7), last_error = $8, tool_count = $9,
                next_attempt_at = $10, status_version = $11, tools = $12::jsonb, listings = $13::jsonb
            WHERE name = $1 AND status_version < $11
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = status.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = status.Status.ToWire() });
        command.Parameters.Add(new NpgsqlParameter { Value = status.Circuit.ToWire() });
        command.Parameters.Add(new NpgsqlParameter { Value = status.ConsecutiveFailures });
        command.Parameters.Add(Timestamp(status.LastRecoveryAttempt));
        command.Parameters.Add(new NpgsqlParameter { Value = status.TotalDowntimeSeconds });
        command.Parameters.Add(Timestamp(status.LastCheckAt));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status.LastError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = status.ToolCount });
        command.Parameters.Add(Timestamp(status.NextAttemptAt));
        command.Parameters.Add(new NpgsqlParameter { Value = status.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = ToolsJson.Serialize(tools) });
        command.Parameters.Add(new NpgsqlParameter { Value = ListingsJson.Serialize(listings) });
        return command;
    }

    private static NpgsqlBatchCommand InsertLogEntry(HealthLogEntry entry)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO omni2.mcp_health_log (event_id, server_name, event_type, old_status, new_status, reason, details, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
            ON CONFLICT (event_id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = entry.EventId });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.ServerName });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.EventType.ToWire() });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.OldStatus.ToWire() });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.NewStatus.ToWire() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.DetailsJson });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.CreatedAt });
        return command;
    }

    private static NpgsqlParameter Timestamp(DateTimeOffset? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static McpServerConfig ReadConfig(NpgsqlDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Transport = WireNames.TryParseTransport(reader.GetString(1), out var transport)
            ? transport
            : throw new InvalidDataException($"Unknown transport '{reader.GetString(1)}' for server '{reader.GetString(0)}'."),
        Url = reader.IsDBNull(2) ? null : reader.GetString(2),
        Command = reader.IsDBNull(3) ? null : reader.GetString(3),
        Args = JsonSerializer.Deserialize<ImmutableArray<string>>(reader.GetString(4)),
        Env = JsonSerializer.Deserialize<ImmutableDictionary<string, string>>(reader.GetString(5)) ?? ImmutableDictionary<string, string>.Empty,
        Headers = JsonSerializer.Deserialize<ImmutableDictionary<string, string>>(reader.GetString(6)) ?? ImmutableDictionary<string, string>.Empty,
        Enabled = reader.GetBoolean(7),
        AllowedRoles = [.. reader.GetFieldValue<string[]>(8)],
        HealthCheckIntervalSeconds = reader.GetInt32(9),
        CheckTimeoutSeconds = reader.GetInt32(10),
        ConnectTimeoutSeconds = reader.GetInt32(11),
        CallTimeoutSeconds = reader.GetInt32(12),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(13),
        MaxConcurrentCalls = reader.GetInt32(14),
        ToolRoles = ReadToolRoles(reader.GetString(15)),
    };
}
