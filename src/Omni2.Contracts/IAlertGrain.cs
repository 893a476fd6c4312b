using Orleans.Concurrency;

namespace Omni2.Contracts;

/// <summary>
/// Watches the whole fleet for failures that come together (one per cluster, <see cref="GrainKeys.Alerts"/>):
/// raises one <c>critical_alert</c> per burst and notifies admins of critical events.
/// </summary>
[Alias("omni2.IAlertGrain")]
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>A server went down, or the breaker disabled it. One-way: a server never waits on alerting.</summary>
    [OneWay, Alias("ReportFailure")]
    Task ReportFailureAsync(string server, HealthEventType type, string reason);
}
