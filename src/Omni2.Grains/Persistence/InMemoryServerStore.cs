using System.Collections.Concurrent;
using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>
/// The embedded default (no PostgreSQL configured): servers come from configuration and the
/// status and health log live in this silo's memory.
/// </summary>
public sealed class InMemoryServerStore(IEnumerable<McpServerConfig> servers) : IServerConfigSource, IStatusProjection, IHealthLogReader
{
    private readonly ImmutableArray<McpServerConfig> _servers = [.. servers];
    private readonly ConcurrentDictionary<string, ImmutableList<HealthLogEntry>> _log = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<McpServerConfig>> LoadAllAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<McpServerConfig>>(_servers);

    public Task<McpServerConfig?> LoadAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_servers.FirstOrDefault(s => s.Name == name));

    public Task WriteAsync(McpServerStatus status, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default)
    {
        _log.AddOrUpdate(
            status.Name,
            _ => [.. entries],
            (_, log) => log.AddRange(entries.Where(e => !log.Any(existing => existing.EventId == e.EventId))));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<HealthLogEntry>> ReadAsync(string serverName, int limit, long? beforeId = null, CancellationToken cancellationToken = default)
    {
        var log = _log.GetValueOrDefault(serverName, []);
        var end = beforeId is { } before ? (int)Math.Clamp(before, 0, log.Count) : log.Count;
        return Task.FromResult<IReadOnlyList<HealthLogEntry>>([.. log.Take(end).Reverse().Take(limit)]);
    }
}
