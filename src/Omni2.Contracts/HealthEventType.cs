namespace Omni2.Contracts;

/// <summary>The events of <c>omni2.mcp_health_log</c>: every transition of the state machine in docs/design.md, plus <see cref="AutoDisabled"/>.</summary>
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
