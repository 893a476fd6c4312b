using System.Collections.Concurrent;
using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>
/// The embedded default (no PostgreSQL configured): servers start from configuration, and
/// admin changes, status and health log live in this silo's memory.
/// </summary>
public sealed class InMemoryServerStore(IEnumerable<McpServerConfig> servers)
    : IServerConfigSource, IStatusProjection, IHealthLogReader, IHealthLogRetention, ICatalogSource, IServerAdminStore
{
    private long _lastLogId;
    private readonly ConcurrentDictionary<string, McpServerConfig> _configs = new(servers.Select(s => KeyValuePair.Create(s.Name, s)), StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (McpServerStatus Status, ImmutableArray<McpToolInfo> Tools, McpServerListings Listings)> _projections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImmutableList<HealthLogRecord>> _log = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<McpServerConfig>> LoadAllAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<McpServerConfig>>([.. _configs.Values.OrderBy(c => c.Name, StringComparer.Ordinal)]);

    public Task<McpServerConfig?> LoadAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_configs.GetValueOrDefault(name));

    public Task WriteAsync(McpServerStatus status, ImmutableArray<McpToolInfo> tools, McpServerListings listings, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default)
    {
        _projections.AddOrUpdate(status.Name, (status, tools, listings), (_, old) => old.Status.Version < status.Version ? (status, tools, listings) : old);
        _log.AddOrUpdate(
            status.Name,
            _ => [.. entries.Select(Numbered)],
            (_, log) => log.AddRange(entries.Where(e => !log.Any(existing => existing.Entry.EventId == e.EventId)).Select(Numbered)));
        return Task.CompletedTask;
    }

    public Task WriteLastChecksAsync(IReadOnlyList<ServerCheck> checks, CancellationToken cancellationToken = default)
    {
        foreach (var check in checks)
        {
            _projections.AddOrUpdate(
                check.Name,
                _ => (new McpServerStatus { Name = check.Name, LastCheckAt = check.At }, [], McpServerListings.Empty),
                (_, old) => old.Status.LastCheckAt >= check.At ? old : old with { Status = old.Status with { LastCheckAt = check.At } });
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<HealthLogRecord>> ReadAsync(string serverName, int limit, long? beforeId = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        var log = _log.GetValueOrDefault(serverName, []);
        return Task.FromResult<IReadOnlyList<HealthLogRecord>>([.. log.Reverse()
            .Where(r => (beforeId is not { } before || r.Id < before) && (since is not { } from || r.Entry.CreatedAt >= from))
            .Take(limit)]);
    }

    public Task<IReadOnlyList<StatusMoves>> ReadMovesAsync(
        IReadOnlyCollection<string> servers, DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        var width = (long)bucket.TotalMilliseconds;
        return Task.FromResult<IReadOnlyList<StatusMoves>>([.. servers
            .SelectMany(name => _log.GetValueOrDefault(name, [])
                .Where(r => r.Entry.CreatedAt >= since)
                .GroupBy(r => Math.DivRem(r.Entry.CreatedAt.ToUnixTimeMilliseconds(), width).Quotient)
                .Select(rows => (Bucket: rows.Key, From: rows.First().Entry.OldStatus, To: rows.Last().Entry.NewStatus)))
            .Where(m => m.From != m.To)
            .GroupBy(m => m)
            .Select(g => new StatusMoves(g.Key.Bucket, g.Key.From, g.Key.To, g.Count()))]);
    }

    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        foreach (var name in _log.Keys)
        {
            _log.AddOrUpdate(name, _ => [], (_, log) =>
            {
                var kept = log.RemoveAll(r => r.Entry.CreatedAt < cutoff);
                deleted += log.Count - kept.Count;
                return kept;
            });
        }
        return Task.FromResult(deleted);
    }

    // Ids grow across the whole log, as PostgreSQL's identity column does.
    private HealthLogRecord Numbered(HealthLogEntry entry) => new(Interlocked.Increment(ref _lastLogId), entry);

    /// <summary>Every server, always: in memory a complete read costs no more than one of changes.</summary>
    public Task<CatalogRead> LoadCatalogAsync(IReadOnlyDictionary<string, Guid>? listsHeld = null, long changedAfter = 0, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CatalogEntry> rows = [.. _configs.Values.Select(config =>
        {
            var projected = _projections.GetValueOrDefault(config.Name, (new McpServerStatus { Name = config.Name }, [], McpServerListings.Empty));
            return new CatalogEntry(config.ToInfo(), projected.Status, projected.Tools) { Listings = projected.Listings };
        })];
        return Task.FromResult(new CatalogRead(rows, Complete: true, rows.Count, Mark: 0));
    }

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
