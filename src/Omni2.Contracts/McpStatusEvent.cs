using System.Collections.Immutable;

namespace Omni2.Contracts;

/// <summary>Kinds of real-time messages (docs/design.md lists them), as the hub sends them.</summary>
public static class StatusMessageTypes
{
    public const string StatusChange = "mcp_status_change";
    public const string RecoveryProgress = "recovery_progress";
    public const string CircuitOpened = "circuit_opened";
    public const string ToolsChanged = "tools_changed";
    /// <summary>A server's prompts, resources or resource templates changed (for the catalogs; the hub does not forward it).</summary>
    public const string ListingsChanged = "listings_changed";
    public const string ServerRemoved = "server_removed";
    public const string ServerUpdated = "server_updated";
    public const string CriticalAlert = "critical_alert";
    /// <summary>A server presented a changed definition of a pinned tool (for admins only; the catalogs take nothing from it).</summary>
    public const string ToolDefinitionChanged = "tool_definition_changed";
}

/// <summary>
/// One message on the status feed: the hub message's fields
/// (<c>type, timestamp, mcp_name, old_status, new_status, reason, recovery_eta</c>)
/// plus the health-log event, the attempt number and the full status it leads to.
/// </summary>
[GenerateSerializer, Immutable, Alias("omni2.McpStatusEvent")]
public sealed record McpStatusEvent
{
    [Id(0)] public required string Type { get; init; }
    [Id(1)] public required DateTimeOffset Timestamp { get; init; }
    [Id(2)] public required string McpName { get; init; }
    [Id(3)] public required HealthStatus OldStatus { get; init; }
    [Id(4)] public required HealthStatus NewStatus { get; init; }
    [Id(5)] public string? Reason { get; init; }
    /// <summary>Time until the next recovery attempt, while one is scheduled.</summary>
    [Id(6)] public TimeSpan? RecoveryEta { get; init; }
    /// <summary>The health-log event this message reports, if it is a transition.</summary>
    [Id(7)] public HealthEventType? Event { get; init; }
    [Id(8)] public int Attempt { get; init; }
    [Id(9)] public McpServerStatus? Status { get; init; }
    /// <summary>The server's public configuration, on <see cref="StatusMessageTypes.ServerUpdated"/>.</summary>
    [Id(10)] public McpServerInfo? Server { get; init; }
    /// <summary>The server's tools, whenever they changed.</summary>
    [Id(11)] public ImmutableArray<McpToolInfo>? Tools { get; init; }
    /// <summary>
    /// The servers a <see cref="StatusMessageTypes.CriticalAlert"/> is about. The alert carries no text:
    /// each reader gets <see cref="CriticalAlertText"/> of the servers it may see.
    /// </summary>
    [Id(12)] public ImmutableArray<string>? AffectedServers { get; init; }
    /// <summary>The window a <see cref="StatusMessageTypes.CriticalAlert"/>'s servers all failed within.</summary>
    [Id(13)] public TimeSpan? AlertWindow { get; init; }
    /// <summary>
    /// The id of the health-log row a transition is written as. Every silo keeps recent transitions
    /// by it, so that a grain that moves silos before its rows were written writes them still.
    /// </summary>
    [Id(14)] public Guid? EventId { get; init; }
    /// <summary>The server's prompts, resources and templates, whenever they changed.</summary>
    [Id(15)] public McpServerListings? Listings { get; init; }
    /// <summary>The tool a <see cref="StatusMessageTypes.ToolDefinitionChanged"/> is about.</summary>
    [Id(16)] public string? Tool { get; init; }
}
