using Omni2.Contracts;

namespace Omni2.Grains.Health;

/// <summary>Everything the circuit breaker remembers; persisted with the grain.</summary>
[GenerateSerializer, Immutable, Alias("omni2.BreakerState")]
public sealed record BreakerState
{
    [Id(0)] public HealthStatus Status { get; init; } = HealthStatus.Unknown;
    [Id(1)] public CircuitState Circuit { get; init; } = CircuitState.Closed;
    [Id(2)] public int ConsecutiveFailures { get; init; }
    /// <summary>When the current outage began; null while healthy.</summary>
    [Id(3)] public DateTimeOffset? DownSince { get; init; }
    /// <summary>When the next recovery attempt is due; null when none is scheduled.</summary>
    [Id(4)] public DateTimeOffset? NextAttemptAt { get; init; }
    /// <summary>Failed half-open probes since the circuit opened: the backoff exponent.</summary>
    [Id(5)] public int BackoffStep { get; init; }
    [Id(6)] public DateTimeOffset? LastRecoveryAttempt { get; init; }
    /// <summary>Recovery attempts in the current outage.</summary>
    [Id(7)] public int Attempts { get; init; }

    public static BreakerState Initial { get; } = new();

    /// <summary>The breaker a status describes: how a grain resumes from the status feed what its storage missed.</summary>
    public static BreakerState Of(McpServerStatus status) => new()
    {
        Status = status.Status,
        Circuit = status.Circuit,
        ConsecutiveFailures = status.ConsecutiveFailures,
        DownSince = status.DownSince,
        NextAttemptAt = status.NextAttemptAt,
        BackoffStep = status.BackoffStep,
        LastRecoveryAttempt = status.LastRecoveryAttempt,
        Attempts = status.RecoveryAttempts,
    };

    public bool IsFailing => Status is HealthStatus.Disconnected or HealthStatus.CircuitOpen;
}

/// <summary>A change the breaker decided: exactly one health-log row.</summary>
public sealed record BreakerTransition(
    HealthEventType Event,
    HealthStatus OldStatus,
    HealthStatus NewStatus,
    string Reason,
    int Attempt);
