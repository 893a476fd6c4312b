namespace Omni2.Contracts;

/// <summary>The events of <c>omni2.mcp_health_log</c>: the seed's types plus <see cref="AutoDisabled"/>.</summary>
public enum HealthEventType
{
    Connected,
    Disconnected,
    RecoveryAttempt,
    RecoverySuccess,
    CircuitOpened,
    CircuitClosed,
    ManuallyDisabled,
    ManuallyEnabled,
    AutoDisabled,
}
