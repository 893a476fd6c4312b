using System.Collections.Immutable;

namespace Omni2.Contracts;

/// <summary>A server's live status as its grain knows it; <see cref="Version"/> grows with every change.</summary>
[GenerateSerializer, Immutable, Alias("omni2.McpServerStatus")]
public sealed record McpServerStatus
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public HealthStatus Status { get; init; }
    [Id(2)] public CircuitState Circuit { get; init; }
    [Id(3)] public int ConsecutiveFailures { get; init; }
    [Id(4)] public DateTimeOffset? LastCheckAt { get; init; }
    [Id(5)] public string? LastError { get; init; }
    [Id(6)] public DateTimeOffset? LastRecoveryAttempt { get; init; }
    [Id(7)] public int TotalDowntimeSeconds { get; init; }
    /// <summary>When the next recovery attempt is due (the recovery ETA), while one is scheduled.</summary>
    [Id(8)] public DateTimeOffset? NextAttemptAt { get; init; }
    [Id(9)] public int ToolCount { get; init; }
    [Id(10)] public long Version { get; init; }
    /// <summary>The silo whose grain owns the server, while it is active.</summary>
    [Id(11)] public string? Silo { get; init; }
    /// <summary>When the current outage began; null while healthy.</summary>
    [Id(12)] public DateTimeOffset? DownSince { get; init; }
    /// <summary>Failed half-open probes since the circuit opened: the backoff exponent.</summary>
    [Id(13)] public int BackoffStep { get; init; }
    /// <summary>Recovery attempts in the current outage.</summary>
    [Id(14)] public int RecoveryAttempts { get; init; }
}

/// <summary>One tool of an MCP server, as it listed it.</summary>
[GenerateSerializer, Immutable, Alias("omni2.McpToolInfo")]
public sealed record McpToolInfo
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public string? Description { get; init; }
    /// <summary>The tool's JSON schema, verbatim.</summary>
    [Id(2)] public required string InputSchemaJson { get; init; }
    /// <summary>The tool's output schema, verbatim, when it declares one.</summary>
    [Id(3)] public string? OutputSchemaJson { get; init; }
    /// <summary>The tool's annotations (hints such as <c>readOnlyHint</c>) as JSON, when it has any.</summary>
    [Id(4)] public string? AnnotationsJson { get; init; }
}

/// <summary>A server's status together with its cached tools.</summary>
[GenerateSerializer, Immutable, Alias("omni2.McpServerSnapshot")]
public sealed record McpServerSnapshot(
    [property: Id(0)] McpServerStatus Status,
    [property: Id(1)] ImmutableArray<McpToolInfo> Tools);
