using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Omni2.Contracts;
using Omni2.Host.Catalog;

namespace Omni2.Host.Realtime;

/// <summary>
/// What the hub sends on <c>mcp_event</c>: the fields
/// <c>{type, timestamp, mcp_name, old_status, new_status, reason, recovery_eta}</c>, plus the
/// server's full <see cref="Status"/> after the event (so a client's state is always right), the
/// attempt number, and for <c>snapshot</c>, <c>batch</c>, <c>critical_alert</c> and
/// <c>health_checks</c> their lists (a <c>snapshot</c> is <c>page</c> of <c>pages</c>, sent in order). Every message is built for one recipient from the servers it may
/// see; <see cref="Without"/> takes a server out again when the recipient loses sight of it.
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
    IReadOnlyList<CheckView>? Checks = null,
    [property: JsonIgnore] TimeSpan? AlertWindow = null,
    string? Tool = null,
    int? Page = null,
    int? Pages = null)
{
    public const string SnapshotType = "snapshot";
    /// <summary>The live last check of servers the user may see; no status changed.</summary>
    public const string HealthChecksType = "health_checks";
    public const string BatchType = "batch";
    public const string SessionExpiredType = "session_expired";

    /// <summary>What a recipient is told of a server it could see and no longer may: its name, nothing of what it became.</summary>
    public const string NoLongerVisibleReason = "no longer visible to you";

    /// <summary>Why a <c>session_expired</c> ends a connection whose token an admin revoked.</summary>
    public const string TokenRevokedReason = "token revoked";

    /// <summary>A feed event as a recipient with <paramref name="roles"/> sees it.</summary>
    public static RealtimeMessage From(McpStatusEvent message, McpServerInfo? server, ImmutableArray<McpToolInfo> tools, IReadOnlyCollection<string> roles, DateTimeOffset now) => new(
        message.Type,
        message.Timestamp,
        message.McpName.Length == 0 ? null : message.McpName,
        message.OldStatus.ToWire(),
        message.NewStatus.ToWire(),
        message.Reason,
        message.RecoveryEta is { } eta ? $"{Math.Ceiling(eta.TotalSeconds):0}s" : null,
        message.Event is HealthEventType.RecoveryAttempt or HealthEventType.CircuitOpened ? message.Attempt : null,
        message.Status?.NextAttemptAt,
        message.Status is { } status && server is not null ? ServerView.From(server, status, tools, now, roles) : null);

    /// <summary>A critical alert worded for one recipient: <paramref name="visible"/> are the failing servers it may see.</summary>
    public static RealtimeMessage CriticalAlert(DateTimeOffset timestamp, IReadOnlyList<string> visible, TimeSpan? window) =>
        new(StatusMessageTypes.CriticalAlert, timestamp, Reason: CriticalAlertText.Describe(visible, window), Servers: visible, AlertWindow: window);

    /// <summary>A server presented a changed definition of <see cref="Tool"/>: for admins only, who approve it.</summary>
    public static RealtimeMessage ToolDefinitionChanged(McpStatusEvent message) =>
        new(StatusMessageTypes.ToolDefinitionChanged, message.Timestamp, message.McpName, Reason: message.Reason, Tool: message.Tool);

    /// <summary>Tells a recipient to drop a server it may no longer see.</summary>
    public static RealtimeMessage NoLongerVisible(string server, DateTimeOffset now) =>
        new(StatusMessageTypes.ServerRemoved, now, McpName: server, Reason: NoLongerVisibleReason);

    /// <summary>This message with nothing left about <paramref name="server"/>, or null when nothing else was in it.</summary>
    public RealtimeMessage? Without(string server) => this switch
    {
        { McpName: { } name } => name == server ? null : this,
        { Checks: { } checks } when checks.Any(c => c.McpName == server) =>
            checks.Where(c => c.McpName != server).ToList() is { Count: > 0 } left ? this with { Checks = left } : null,
        { Type: StatusMessageTypes.CriticalAlert, Servers: { } servers } when servers.Contains(server) =>
            servers.Where(s => s != server).ToList() is { Count: > 0 } left ? CriticalAlert(Timestamp, left, AlertWindow) : null,
        _ => this,
    };
}

/// <summary>One server's last successful check, in a <c>health_checks</c> message.</summary>
public sealed record CheckView(string McpName, DateTimeOffset LastCheckAt);
