using System.Collections.Concurrent;
using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.Grains.Feed;

/// <summary>
/// What this silo saw lately on the status feed, per server: the newest status and the recent
/// transitions as health-log rows. A grain activated here after its silo died (or deactivated)
/// while the database was down finds in its storage an older state than every catalog holds; it
/// resumes from here instead, and writes the rows its earlier activation never could (the log
/// skips event ids it already has). Bounded: <see cref="MaxTransitions"/> per server, none older
/// than <see cref="Retention"/>, nothing of a removed server.
/// </summary>
public sealed class FeedHistory(TimeProvider time)
{
    public const int MaxTransitions = 64;
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, ServerHistory> _servers = new(StringComparer.Ordinal);
    private DateTimeOffset _prunedAt = time.GetUtcNow();

    /// <summary>Called for every event this silo receives, in the order it receives them.</summary>
    public void Record(McpStatusEvent message)
    {
        if (message.Type == StatusMessageTypes.ServerRemoved)
        {
            _servers.TryRemove(message.McpName, out _);
            return;
        }
        if (message.Status is not { } status)
        {
            return;
        }
        var history = _servers.GetOrAdd(message.McpName, static _ => new ServerHistory());
        lock (history)
        {
            if (history.Latest is null || status.Version > history.Latest.Version)
            {
                history.Latest = status;
            }
            if (HealthLogEntry.Of(message) is { } row)
            {
                history.Transitions.Add((status.Version, row));
                if (history.Transitions.Count > MaxTransitions)
                {
                    history.Transitions.RemoveAt(0);
                }
            }
        }
        PruneNowAndThen();
    }

    /// <summary>
    /// What happened to <paramref name="server"/> after <paramref name="version"/>, if this silo saw
    /// anything newer: the newest status, and the transitions since, oldest first.
    /// </summary>
    public MissedChanges? Since(string server, long version)
    {
        if (!_servers.TryGetValue(server, out var history))
        {
            return null;
        }
        lock (history)
        {
            return history.Latest is { } latest && latest.Version > version
                ? new MissedChanges(latest, [.. history.Transitions.Where(t => t.Version > version).OrderBy(t => t.Version).Select(t => t.Row)])
                : null;
        }
    }

    private void PruneNowAndThen()
    {
        var now = time.GetUtcNow();
        if (now - _prunedAt < PruneInterval)
        {
            return;
        }
        _prunedAt = now;
        foreach (var history in _servers.Values)
        {
            lock (history)
            {
                history.Transitions.RemoveAll(t => now - t.Row.CreatedAt > Retention);
            }
        }
    }

    private sealed class ServerHistory
    {
        public McpServerStatus? Latest { get; set; }

        public List<(long Version, HealthLogEntry Row)> Transitions { get; } = [];
    }
}

/// <summary>What a grain's storage missed: the newest status the feed carried, and the transitions since, oldest first.</summary>
public sealed record MissedChanges(McpServerStatus Latest, IReadOnlyList<HealthLogEntry> Transitions);
