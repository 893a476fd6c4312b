using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Feed;
using Orleans.Placement;

namespace Omni2.Grains.Alerts;

/// <summary>
/// The cluster's alert watcher: one <c>critical_alert</c> per burst of failures (published on the
/// status feed for every silo's clients, and sent to the admin webhooks), and an admin notice
/// whenever the breaker disables a server.
/// </summary>
// Its burst window is in memory: the activation rebalancer must not move it (a move forgets a burst under way).
[Immovable(ImmovableKind.Rebalancer)]
public sealed class AlertGrain(IOptions<AlertOptions> options, WebhookNotifier notifier, StatusPublisher publisher, TimeProvider time) : Grain, IAlertGrain
{
    private readonly BurstDetector _bursts = new(options.Value.BurstThreshold, options.Value.Window, time);

    public Task ReportFailureAsync(string server, HealthEventType type, string reason)
    {
        var now = time.GetUtcNow();
        if (type is HealthEventType.AutoDisabled)
        {
            notifier.Notify(new AdminNotice(type.ToWire(), $"MCP server '{server}' was disabled by the circuit breaker: {reason}. An admin must enable it.", now, [server]));
            return Task.CompletedTask;
        }
        if (_bursts.Record(server) is not { } burst)
        {
            return Task.CompletedTask;
        }
        // Admins see every server: the webhooks name them all. The feed carries names, not text, so
        // that each silo words the alert per recipient from the servers that recipient may see.
        notifier.Notify(new AdminNotice(StatusMessageTypes.CriticalAlert, CriticalAlertText.Describe(burst, options.Value.Window), now, burst));
        publisher.Publish(new McpStatusEvent
        {
            Type = StatusMessageTypes.CriticalAlert,
            Timestamp = now,
            McpName = "",
            OldStatus = HealthStatus.Healthy,
            NewStatus = HealthStatus.Disconnected,
            AffectedServers = [.. burst],
            AlertWindow = options.Value.Window,
        });
        return Task.CompletedTask;
    }
}
