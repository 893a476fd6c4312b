using System.Collections.Concurrent;
using System.Collections.Immutable;
using Npgsql;
using NpgsqlTypes;
using Omni2.Grains.Pinning;

namespace Omni2.Grains.Persistence;

/// <summary>Where each server's tool pins are kept (<c>omni2.mcp_tool_pins</c>); read and written only by the server's grain.</summary>
public interface IToolPinStore
{
    Task<IReadOnlyList<ToolPin>> LoadAsync(string server, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces <paramref name="pins"/>, atomically.</summary>
    Task SaveAsync(string server, IReadOnlyList<ToolPin> pins, CancellationToken cancellationToken = default);

    /// <summary>The server was deleted: its pins go (in PostgreSQL the row's foreign key already took them).</summary>
    Task ForgetAsync(string server, CancellationToken cancellationToken = default);
}

/// <summary><c>omni2.mcp_tool_pins</c> (<c>sql/013_omni2_mcp_tool_pins.sql</c>).</summary>
public sealed class PostgresToolPinStore(NpgsqlDataSource dataSource) : IToolPinStore
{
    public async Task<IReadOnlyList<ToolPin>> LoadAsync(string server, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT tool, approved_digest, approved_definition::text, approved_at, pending_digest, pending_definition::text, changed_at
            FROM omni2.mcp_tool_pins WHERE server_name = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = server });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var pins = new List<ToolPin>();
        while (await reader.ReadAsync(cancellationToken))
        {
            pins.Add(new ToolPin(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return pins;
    }

    public async Task SaveAsync(string server, IReadOnlyList<ToolPin> pins, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO omni2.mcp_tool_pins AS p (server_name, tool, approved_digest, approved_definition, approved_at, pending_digest, pending_definition, changed_at)
            SELECT $1, t.tool, t.approved_digest, t.approved_definition::jsonb, t.approved_at, t.pending_digest, t.pending_definition::jsonb, t.changed_at
            FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[])
                 AS t(tool, approved_digest, approved_definition, approved_at, pending_digest, pending_definition, changed_at)
            ON CONFLICT (server_name, tool) DO UPDATE SET
                approved_digest = EXCLUDED.approved_digest, approved_definition = EXCLUDED.approved_definition,
                approved_at = EXCLUDED.approved_at, pending_digest = EXCLUDED.pending_digest,
                pending_definition = EXCLUDED.pending_definition, changed_at = EXCLUDED.changed_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = server });
        Add(command, pins.Select(p => (object)p.Tool), NpgsqlDbType.Text);
        Add(command, pins.Select(p => (object)p.ApprovedDigest), NpgsqlDbType.Text);
        Add(command, pins.Select(p => (object)p.ApprovedDefinition), NpgsqlDbType.Text);
        Add(command, pins.Select(p => (object)p.ApprovedAt), NpgsqlDbType.TimestampTz);
        Add(command, pins.Select(p => (object?)p.PendingDigest), NpgsqlDbType.Text);
        Add(command, pins.Select(p => (object?)p.PendingDefinition), NpgsqlDbType.Text);
        Add(command, pins.Select(p => (object?)p.ChangedAt), NpgsqlDbType.TimestampTz);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ForgetAsync(string server, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM omni2.mcp_tool_pins WHERE server_name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = server });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Add(NpgsqlCommand command, IEnumerable<object?> values, NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = values.Select(v => v ?? DBNull.Value).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | type,
        });
}

/// <summary>The embedded default's pins, in this silo's memory (its only silo).</summary>
public sealed class InMemoryToolPinStore : IToolPinStore
{
    private readonly ConcurrentDictionary<string, ImmutableDictionary<string, ToolPin>> _pins = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<ToolPin>> LoadAsync(string server, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ToolPin>>([.. _pins.GetValueOrDefault(server, ImmutableDictionary<string, ToolPin>.Empty).Values]);

    public Task SaveAsync(string server, IReadOnlyList<ToolPin> pins, CancellationToken cancellationToken = default)
    {
        _pins.AddOrUpdate(
            server,
            _ => pins.ToImmutableDictionary(p => p.Tool, StringComparer.Ordinal),
            (_, known) => known.SetItems(pins.Select(p => KeyValuePair.Create(p.Tool, p))));
        return Task.CompletedTask;
    }

    public Task ForgetAsync(string server, CancellationToken cancellationToken = default)
    {
        _pins.TryRemove(server, out _);
        return Task.CompletedTask;
    }
}
