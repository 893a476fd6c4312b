using System.Collections.Concurrent;
using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>
/// The embedded default (no PostgreSQL configured): servers start from configuration, and
/// admin changes, status and health log live in this silo's memory.
/// </summary>
public sealed class InMemoryServerStore(IEnumerable<McpServerConfig> servers)
    : IServerConfigSource, IStatusProjection, IHealthLogReader, ICatalogSource, IServerAdminStore
{
    private readonly ConcurrentDictionary<string, McpServerConfig> _configs = new(servers.Select(s => KeyValuePair.Create(s.Name, s)), StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (McpServerStatus Status, ImmutableArray<McpToolInfo> Tools)> _projections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImmutableList<HealthLogEntry>> _log = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<McpServerConfig>> LoadAllAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<McpServerConfig>>([.. _configs.Values.OrderBy(c => c.Name, StringComparer.Ordinal)]);

    public Task<McpServerConfig?> LoadAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_configs.GetValueOrDefault(name));

    public Task WriteAsync(McpServerStatus status, ImmutableArray<McpToolInfo> tools, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default)
    {
        _projections.AddOrUpdate(status.Name, (status, tools), (_, old) => old.Status.Version < status.Version ? (status, tools) : old);
        _log.AddOrUpdate(
            status.Name,
            _ => [.. entries],
            (_, log) => log.AddRange(entries.Where(e => !log.Any(existing => existing.EventId == e.EventId))));
        return Task.CompletedTask;
    }

    public Task WriteLastChecksAsync(IReadOnlyList<ServerCheck> checks, CancellationToken cancellationToken = default)
    {
        foreach (var check in checks)
        {
            _projections.AddOrUpdate(
                check.Name,
                _ => (new McpServerStatus { Name = check.Name, LastCheckAt = check.At }, []),
                (_, old) => old.Status.LastCheckAt >= check.At ? old : (old.Status with { LastCheckAt = check.At }, old.Tools));
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<HealthLogRecord>> ReadAsync(string serverName, int limit, long? beforeId = null, CancellationToken cancellationToken = default)
    {
        // Ids are positions in the server's log, counted from 1.
        var log = _log.GetValueOrDefault(serverName, []);
        var end = beforeId is { } before ? (int)Math.Clamp(before - 1, 0, log.Count) : log.Count;
        return Task.FromResult<IReadOnlyList<HealthLogRecord>>(
            [.. Enumerable.Range(0, end).Reverse().Take(limit).Select(i => new HealthLogRecord(i + 1, log[i]))]);
    }

    public Task<IReadOnlyList<CatalogRow>> LoadCatalogAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CatalogRow>>([.. _configs.Values.Select(config =>
        {
            var projected = _projections.GetValueOrDefault(config.Name, (new McpServerStatus { Name = config.Name }, []));
            return new CatalogRow(config.ToInfo(), projected.Status, projected.Tools);
        })]);

    public Task<bool> CreateAsync(McpServerConfig config, CancellationToken cancellationToken = default) =>
        Task.FromResult(_configs.TryAdd(config.Name, config with { UpdatedAt = DateTimeOffset.UtcNow }));

    public Task<bool> UpdateAsync(McpServerConfig config, CancellationToken cancellationToken = default)
    {
        var updated = false;
        _configs.AddOrUpdate(config.Name, _ => config, (_, _) => { updated = true; return config with { UpdatedAt = DateTimeOffset.UtcNow }; });
        if (!updated)
        {
            _configs.TryRemove(config.Name, out _);
        }
        return Task.FromResult(updated);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        _projections.TryRemove(name, out _);
        return Task.FromResult(_configs.TryRemove(name, out _));
    }

    public Task<bool> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken = default)
    {
        while (_configs.TryGetValue(name, out var config))
        {
            if (_configs.TryUpdate(name, config with { Enabled = enabled, UpdatedAt = DateTimeOffset.UtcNow }, config))
            {
                return Task.FromResult(true);
            }
        }
        return Task.FromResult(false);
    }
}
