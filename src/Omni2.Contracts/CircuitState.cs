namespace Omni2.Contracts;

/// <summary>The circuit breaker's position.</summary>
public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}
