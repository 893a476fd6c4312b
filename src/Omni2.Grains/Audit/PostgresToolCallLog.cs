using Npgsql;
using NpgsqlTypes;

namespace Omni2.Grains.Audit;

/// <summary><c>omni2.tool_call_log</c>: each batch is one binary COPY.</summary>
public sealed class PostgresToolCallLog(NpgsqlDataSource dataSource) : IToolCallLog
{
    public async Task WriteAsync(IReadOnlyList<ToolCallRecord> calls, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var import = await connection.BeginBinaryImportAsync("""
            COPY omni2.tool_call_log (called_at, user_name, roles, server_name, tool, route, outcome, http_status, duration_ms, argument_bytes, trace_id)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        foreach (var call in calls)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(call.Time, NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(call.User, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(call.Roles.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(call.Server, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(call.Tool, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(call.Route, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(call.Outcome, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync((short)call.HttpStatus, NpgsqlDbType.Smallint, cancellationToken);
            await import.WriteAsync(call.DurationMs, NpgsqlDbType.Double, cancellationToken);
            await import.WriteAsync(call.ArgumentBytes, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(call.TraceId, NpgsqlDbType.Text, cancellationToken);
        }
        await import.CompleteAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ToolCallRecord>> ReadAsync(ToolCallQuery query, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT called_at, user_name, roles, server_name, tool, route, outcome, http_status, duration_ms, argument_bytes, trace_id
            FROM omni2.tool_call_log
            WHERE ($1::text IS NULL OR server_name = $1) AND ($2::text IS NULL OR user_name = $2)
              AND ($3::text IS NULL OR tool = $3) AND ($4::text IS NULL OR outcome = $4)
              AND ($5::timestamptz IS NULL OR called_at < $5)
            ORDER BY called_at DESC, id DESC
            LIMIT $6
            """);
        command.Parameters.Add(Text(query.Server));
        command.Parameters.Add(Text(query.User));
        command.Parameters.Add(Text(query.Tool));
        command.Parameters.Add(Text(query.Outcome));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var calls = new List<ToolCallRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            calls.Add(new ToolCallRecord
            {
                Time = reader.GetFieldValue<DateTimeOffset>(0),
                User = reader.GetString(1),
                Roles = [.. reader.GetFieldValue<string[]>(2)],
                Server = reader.IsDBNull(3) ? null : reader.GetString(3),
                Tool = reader.IsDBNull(4) ? null : reader.GetString(4),
                Route = reader.GetString(5),
                Outcome = reader.GetString(6),
                HttpStatus = reader.GetInt16(7),
                DurationMs = reader.GetDouble(8),
                ArgumentBytes = reader.GetInt32(9),
                TraceId = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }
        return calls;
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM omni2.tool_call_log WHERE called_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = cutoff });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
