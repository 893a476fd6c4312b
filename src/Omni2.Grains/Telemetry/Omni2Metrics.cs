using System.Diagnostics.Metrics;
using Omni2.Contracts;

namespace Omni2.Grains.Telemetry;

/// <summary>The grains' measurements (meter <c>Omni2</c>); labels never carry server names or secrets.</summary>
public sealed class Omni2Metrics
{
    public const string MeterName = "Omni2";

    private readonly Counter<long> _transitions;
    private readonly Histogram<double> _healthChecks;
    private readonly Histogram<double> _toolCalls;
    private readonly Histogram<double> _checkLag;
    private readonly Counter<long> _queueDropped;
    private readonly Counter<long> _backgroundFailures;
    private readonly Counter<long> _writeRetries;
    private readonly Counter<long> _auditDropped;
    private readonly Counter<long> _webhookDeliveries;
    private readonly Counter<long> _registryNotifications;
    private readonly Counter<long> _registryNotifyCalls;

    private static readonly double[] LagBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30];

    public Omni2Metrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _transitions = meter.CreateCounter<long>("omni2.transitions", "{transition}", "Health transitions, by health-log event type.");
        _healthChecks = meter.CreateHistogram<double>("omni2.health_check.duration", "s", "Health checks and recovery attempts, by outcome.");
        _toolCalls = meter.CreateHistogram<double>("omni2.tool_call.duration", "s", "Proxied tool calls, by outcome.");
        _checkLag = meter.CreateHistogram(
            "omni2.health_check.lag", "s", "How late each health-check reminder tick ran after its scheduled time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        _queueDropped = meter.CreateCounter<long>("omni2.queue.dropped", "{item}", "Items a background loop's bounded queue dropped because it was full, by queue.");
        _backgroundFailures = meter.CreateCounter<long>("omni2.background.failures", "{item}", "Items of a background loop that threw (logged; the loop went on), by loop.");
        _writeRetries = meter.CreateCounter<long>("omni2.status_write.retries", "{write}", "Status writes to the database that failed and are retried with backoff.");
        _webhookDeliveries = meter.CreateCounter<long>("omni2.webhook.deliveries", "{delivery}", "Admin notices to one webhook, by outcome: delivered, failed (every attempt), dropped (the queue was full, or unfinished when the shutdown grace ended).");
        _registryNotifications = meter.CreateCounter<long>("omni2.registry.notifications", "{server}", "Servers named by NOTIFY omni2_mcp_servers, by outcome: reloaded (that row), scanned (a burst too large, one full scan), ignored (no such row, or no server name).");
        _registryNotifyCalls = meter.CreateCounter<long>("omni2.registry.notify_calls", "{call}", "Registry calls the NOTIFY listener made, by kind: row (one server's row), scan (every row, for a burst too large).");
        _auditDropped = meter.CreateCounter<long>("omni2.audit.dropped", "{call}", "Audited tool calls dropped: the audit's queue was full (the database did not answer) or shutdown came first.");
    }

    public void QueueDropped(string queue) => _queueDropped.Add(1, new KeyValuePair<string, object?>("queue", queue));

    public void BackgroundFailure(string loop) => _backgroundFailures.Add(1, new KeyValuePair<string, object?>("loop", loop));

    public void AuditDropped(int calls = 1) => _auditDropped.Add(calls);

    public void RegistryNotifications(string outcome, int servers)
    {
        if (servers > 0)
        {
            _registryNotifications.Add(servers, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void RegistryNotifyCalls(string kind, int calls) => _registryNotifyCalls.Add(calls, new KeyValuePair<string, object?>("kind", kind));

    public void WebhookDelivery(string outcome, int deliveries = 1) => _webhookDeliveries.Add(deliveries, new KeyValuePair<string, object?>("outcome", outcome));

    public void StatusWriteRetried() => _writeRetries.Add(1);

    public void Transition(HealthEventType type) =>
        _transitions.Add(1, new KeyValuePair<string, object?>("event", type.ToWire()));

    public void HealthCheck(TimeSpan duration, bool healthy) =>
        _healthChecks.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", healthy ? "ok" : "failed"));

    /// <summary>How late a reminder tick runs after its scheduled time (a silo that keeps up stays in milliseconds).</summary>
    public void HealthCheckLag(TickStatus tick, DateTimeOffset now) => _checkLag.Record(Math.Max(0, LagBehindSchedule(tick, now).TotalSeconds));

    /// <summary>How long after its scheduled time (the first tick plus whole periods) a tick runs.</summary>
    public static TimeSpan LagBehindSchedule(TickStatus tick, DateTimeOffset now)
    {
        var sinceFirst = now.UtcDateTime - DateTime.SpecifyKind(tick.FirstTickTime, DateTimeKind.Utc);
        return tick.Period > TimeSpan.Zero && sinceFirst > TimeSpan.Zero
            ? TimeSpan.FromTicks(sinceFirst.Ticks % tick.Period.Ticks)
            : TimeSpan.Zero;
    }

    public void ToolCall(double milliseconds, ToolCallOutcome outcome) =>
        _toolCalls.Record(milliseconds / 1000, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
}
