using System.Text.Json;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>One row of <c>omni2.mcp_health_log</c>. <see cref="EventId"/> makes a retried write idempotent.</summary>
[GenerateSerializer, Immutable, Alias("omni2.HealthLogEntry")]
public sealed record HealthLogEntry
{
    [Id(0)] public required Guid EventId { get; init; }
    [Id(1)] public required string ServerName { get; init; }
    [Id(2)] public required HealthEventType EventType { get; init; }
    [Id(3)] public required HealthStatus OldStatus { get; init; }
    [Id(4)] public required HealthStatus NewStatus { get; init; }
    [Id(5)] public string? Reason { get; init; }
    /// <summary>A JSON object with what else the event knows (attempt number, next attempt, error).</summary>
    [Id(6)] public string DetailsJson { get; init; } = "{}";
    [Id(7)] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The row a transition on the status feed is written as: the one rule for both the owning grain
    /// and a grain that takes over a server whose rows its earlier owner never wrote.
    /// </summary>
    public static HealthLogEntry? Of(McpStatusEvent message) =>
        message is { EventId: { } id, Event: { } type, Status: { } status }
            ? new HealthLogEntry
            {
                EventId = id,
                ServerName = message.McpName,
                EventType = type,
                OldStatus = message.OldStatus,
                NewStatus = message.NewStatus,
                Reason = message.Reason,
                DetailsJson = JsonSerializer.Serialize(new
                {
                    attempt = message.Attempt,
                    consecutive_failures = status.ConsecutiveFailures,
                    next_attempt_at = status.NextAttemptAt,
                    error = message.NewStatus is HealthStatus.Healthy ? null : status.LastError,
                }),
                CreatedAt = message.Timestamp,
            }
            : null;
}
