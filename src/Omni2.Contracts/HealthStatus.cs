namespace Omni2.Contracts;

/// <summary>A server's health, from the state machine in docs/design.md (plus <see cref="Unknown"/>: not checked yet).</summary>
public enum HealthStatus
{
    Unknown,
    Healthy,
    Disconnected,
    CircuitOpen,
    Disabled,
}
