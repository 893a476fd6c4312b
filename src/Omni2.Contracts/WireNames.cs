namespace Omni2.Contracts;

/// <summary>The snake_case spellings used in the database, the API and real-time messages.</summary>
public static class WireNames
{
    public static string ToWire(this HealthStatus status) => status switch
    {
        HealthStatus.Unknown => "unknown",
        HealthStatus.Healthy => "healthy",
        HealthStatus.Disconnected => "disconnected",
        HealthStatus.CircuitOpen => "circuit_open",
        HealthStatus.Disabled => "disabled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static string ToWire(this CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToWire(this HealthEventType type) => type switch
    {
        HealthEventType.Connected => "connected",
        HealthEventType.Disconnected => "disconnected",
        HealthEventType.RecoveryAttempt => "recovery_attempt",
        HealthEventType.RecoverySuccess => "recovery_success",
        HealthEventType.CircuitOpened => "circuit_opened",
        HealthEventType.CircuitClosed => "circuit_closed",
        HealthEventType.ManuallyDisabled => "manually_disabled",
        HealthEventType.ManuallyEnabled => "manually_enabled",
        HealthEventType.AutoDisabled => "auto_disabled",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string ToWire(this McpTransport transport) => transport switch
    {
        McpTransport.StreamableHttp => "streamable_http",
        McpTransport.Sse => "sse",
        McpTransport.Stdio => "stdio",
        _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, null),
    };

    public static bool TryParseTransport(string? value, out McpTransport transport) => TryParse(value, ToWire, out transport);

    public static HealthStatus ParseStatus(string value) => Parse<HealthStatus>(value, ToWire);

    public static CircuitState ParseCircuit(string value) => Parse<CircuitState>(value, ToWire);

    public static HealthEventType ParseEvent(string value) => Parse<HealthEventType>(value, ToWire);

    /// <summary>The one way back from a wire name: the value whose <c>ToWire</c> spells it.</summary>
    private static bool TryParse<T>(string? value, Func<T, string> toWire, out T result) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(toWire(candidate), value, StringComparison.Ordinal))
            {
                result = candidate;
                return true;
            }
        }
        result = default;
        return false;
    }

    private static T Parse<T>(string value, Func<T, string> toWire) where T : struct, Enum =>
        TryParse(value, toWire, out T result) ? result : throw new FormatException($"'{value}' is not a {typeof(T).Name}.");
}
