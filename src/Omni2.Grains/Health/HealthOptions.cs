namespace Omni2.Grains.Health;

/// <summary>
/// The circuit breaker's configuration (section <c>Omni2:Health</c>). Per-server check
/// intervals and timeouts live on the server's row; these are the fleet-wide recovery rules.
/// </summary>
public sealed class HealthOptions
{
    public const string Section = "Omni2:Health";

    /// <summary>Consecutive failures that open the circuit (default 5).</summary>
    public int FailureThreshold { get; set; } = 5;

    /// <summary>Pause between recovery attempts while disconnected, before the circuit opens.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First backoff once the circuit is open (default 30 s).</summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth of the backoff per failed half-open probe (default 2).</summary>
    public double BackoffMultiplier { get; set; } = 2;

    /// <summary>Backoff cap (default 10 min).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Total downtime after which the server is disabled until an admin enables it (default 30 min).</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The grid health checks fall on (default 100 ms; see <see cref="CheckGrid"/>): checks due within one
    /// step run together. Zero keeps each server's own phase (whole milliseconds).
    /// </summary>
    public TimeSpan CheckGrid { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether the values make a usable schedule; checked at startup.</summary>
    public bool IsValid(out string error)
    {
        error = (RetryInterval, RecoveryTimeout, MaxBackoff, DisableAfter) switch
        {
            _ when FailureThreshold < 1 => "FailureThreshold must be at least 1",
            _ when BackoffMultiplier < 1 => "BackoffMultiplier must be at least 1",
            _ when RetryInterval <= TimeSpan.Zero => "RetryInterval must be positive",
            _ when RecoveryTimeout <= TimeSpan.Zero => "RecoveryTimeout must be positive",
            _ when MaxBackoff < RecoveryTimeout => "MaxBackoff must be at least RecoveryTimeout",
            _ when DisableAfter <= TimeSpan.Zero => "DisableAfter must be positive",
            _ when CheckGrid < TimeSpan.Zero || CheckGrid > TimeSpan.FromSeconds(1) => "CheckGrid must be between 0 and 1 s",
            _ => "",
        };
        return error.Length == 0;
    }
}
