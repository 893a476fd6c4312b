using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>Where server configuration is read from: <c>omni2.mcp_servers</c>, or configuration in the embedded default.</summary>
public interface IServerConfigSource
{
    Task<IReadOnlyList<McpServerConfig>> LoadAllAsync(CancellationToken cancellationToken = default);

    Task<McpServerConfig?> LoadAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where a server's grain projects its status and health log. Called only by that grain:
/// one writer per row.
/// </summary>
public interface IStatusProjection
{
    /// <summary>
    /// Writes the status columns and appends the entries, atomically. Entries already written
    /// (same <see cref="HealthLogEntry.EventId"/>) are skipped; an older status never overwrites a newer one.
    /// </summary>
    Task WriteAsync(McpServerStatus status, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default);
}

/// <summary>Reads the health log, newest first.</summary>
public interface IHealthLogReader
{
    Task<IReadOnlyList<HealthLogEntry>> ReadAsync(string serverName, int limit, long? beforeId = null, CancellationToken cancellationToken = default);
}
