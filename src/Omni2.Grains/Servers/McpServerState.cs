using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Feed;
using Omni2.Grains.Health;
using Omni2.Grains.Persistence;

namespace Omni2.Grains.Servers;

/// <summary>What an <see cref="McpServerGrain"/> persists: written on transitions and tool changes, not on every tick.</summary>
[GenerateSerializer, Alias("omni2.McpServerState")]
public sealed class McpServerState
{
    [Id(0)] public McpServerConfig? Config { get; set; }
    [Id(1)] public BreakerState Breaker { get; set; } = BreakerState.Initial;
    [Id(2)] public ImmutableArray<McpToolInfo> Tools { get; set; } = [];
    [Id(3)] public DateTimeOffset? LastCheckAt { get; set; }
    [Id(4)] public string? LastError { get; set; }
    [Id(5)] public long Version { get; set; }
    /// <summary>
    /// Health-log rows saved with the state but not yet confirmed in <c>omni2.mcp_health_log</c>:
    /// an outbox, so a crash or a database outage between the two writes loses no transition.
    /// </summary>
    [Id(6)] public List<HealthLogEntry> PendingLog { get; set; } = [];
    /// <summary>The prompts, resources and resource templates the server last listed.</summary>
    [Id(7)] public McpServerListings Listings { get; set; } = McpServerListings.Empty;

    /// <summary>
    /// Takes what the status feed carried after this state was stored: the newest status becomes
    /// the breaker's and the version, and its transitions join the outbox (once each).
    /// </summary>
    public void CatchUp(MissedChanges? missed)
    {
        if (missed is not { Latest: var latest })
        {
            return;
        }
        Breaker = BreakerState.Of(latest);
        Version = latest.Version;
        LastError = latest.LastError;
        LastCheckAt = new[] { LastCheckAt, latest.LastCheckAt }.Max();
        var queued = PendingLog.Select(e => e.EventId).ToHashSet();
        PendingLog.AddRange(missed.Transitions.Where(e => !queued.Contains(e.EventId)));
    }
}
