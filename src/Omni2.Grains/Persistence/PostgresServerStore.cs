using System.Collections.Immutable;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>The <c>omni2</c> schema in PostgreSQL: configuration rows, status columns and the health log.</summary>
public sealed class PostgresServerStore(NpgsqlDataSource dataSource) : IServerConfigSource, IStatusProjection, IHealthLogReader
{
    private const string ConfigColumns = """
        name, transport, url, command, args, env, headers, enabled, allowed_roles,
        health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds, call_timeout_seconds, updated_at
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

    public async Task WriteAsync(McpServerStatus status, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(UpdateStatus(status));
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

    public async Task<IReadOnlyList<HealthLogEntry>> ReadAsync(string serverName, int limit, long? beforeId = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT event_id, server_name, event_type, old_status, new_status, reason, details::text, created_at
            FROM omni2.mcp_health_log
            WHERE server_name = $1 AND ($2::bigint IS NULL OR id < $2)
            ORDER BY id DESC
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = serverName });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)beforeId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<HealthLogEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new HealthLogEntry
            {
                EventId = reader.GetGuid(0),
                ServerName = reader.GetString(1),
                EventType = Enum.GetValues<HealthEventType>().First(e => e.ToWire() == reader.GetString(2)),
                OldStatus = WireNames.ParseStatus(reader.GetString(3)),
                NewStatus = WireNames.ParseStatus(reader.GetString(4)),
                Reason = reader.IsDBNull(5) ? null : reader.GetString(5),
                DetailsJson = reader.GetString(6),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(7),
            });
        }
        return entries;
    }

    private static NpgsqlBatchCommand UpdateStatus(McpServerStatus status)
    {
        var command = new NpgsqlBatchCommand("""
            UPDATE omni2.mcp_servers SET
                health_status = $2, circuit_state = $3, consecutive_failures = $4, last_recovery_attempt = $5,
                total_downtime_seconds = $6, last_check_at = $7, last_error = $8, tool_count = $9,
                next_attempt_at = $10, status_version = $11
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
    };
}
