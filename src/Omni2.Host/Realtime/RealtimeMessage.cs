using Omni2.Contracts;
using Omni2.Host.Api;

namespace Omni2.Host.Realtime;

/// <summary>
/// What the hub sends on <c>mcp_event</c>: the seed's
/// <c>{type, timestamp, mcp_name, old_status, new_status, reason, recovery_eta}</c>, plus the
/// server's full <see cref="Status"/> after the event (so a client's state is always right), the
/// attempt number, and for <c>snapshot</c>, <c>batch</c>, <c>critical_alert</c> and
/// <c>health_checks</c> their lists.
/// </summary>
public sealed record RealtimeMessage(
    string Type,
    DateTimeOffset Timestamp,
    string? McpName = null,
    string? OldStatus = null,
    string? NewStatus = null,
    string? Reason = null,
    string? RecoveryEta = null,
    int? Attempt = null,
    DateTimeOffset? NextAttemptAt = null,
    ServerView? Status = null,
    IReadOnlyList<string>? Servers = null,
    IReadOnlyList<ServerView>? Snapshot = null,
    IReadOnlyList<RealtimeMessage>? Events = null,
    IReadOnlyList<CheckView>? Checks = null)
{
    public const string SnapshotType = "snapshot";
    /// <summary>The live last check of servers the user may see; no status changed.</summary>
    public const string HealthChecksType = "health_checks";
    public const string BatchType = "batch";
    public const string SessionExpiredType = "session_expired";

    public static RealtimeMessage From(McpStatusEvent message, McpServerInfo? server, DateTimeOffset now) => new(
        message.Type,
        message.Timestamp,
        message.McpName.Length == 0 ? null : message.McpName,
        message.OldStatus.ToWire(),
        message.NewStatus.ToWire(),
        message.Reason,
        message.RecoveryEta is { } eta ? $"{Math.Ceiling(eta.TotalSeconds):0}s" : null,
        message.Event is HealthEventType.RecoveryAttempt or HealthEventType.CircuitOpened ? message.Attempt : null,
        message.Status?.NextAttemptAt,
        message.Status is { } status && server is not null ? ServerView.From(server, status, now) : null,
        message.AffectedServers is { } servers ? [.. servers] : null);
}

/// <summary>One server's last successful check, in a <c>health_checks</c> message.</summary>
public sealed record CheckView(string McpName, DateTimeOffset LastCheckAt);
