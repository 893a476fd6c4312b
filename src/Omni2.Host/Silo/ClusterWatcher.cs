using Omni2.Contracts;
using Omni2.Grains.Telemetry;

namespace Omni2.Host.Silo;

/// <summary>
/// When a silo leaves the cluster (it died, or it is shutting down), asks the registry to wake every
/// server: the grains that lived there activate on the survivors and check their server at once,
/// instead of waiting up to a whole reminder period. A watch that fails is logged, counted and started again.
/// </summary>
public sealed partial class ClusterWatcher(IClusterMembershipService membership, IGrainFactory grains, LoopGuard loops, ILogger<ClusterWatcher> logger) : BackgroundService
{
    private const string Loop = "cluster_watcher";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loops.KeepRunningAsync(Loop, WatchAsync, TimeSpan.FromSeconds(1), stoppingToken);

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        ClusterMembershipSnapshot? previous = null;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
        {
            var changes = previous is null ? [] : snapshot.CreateUpdate(previous).Changes;
            previous = snapshot;
            var left = changes.Where(c => c.Status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping).ToList();
            if (left.Count == 0)
            {
                continue;
            }
            LogSiloLeft(string.Join(", ", left.Select(c => $"{c.SiloAddress} ({c.Status})")));
            await WakeAllAsync(stoppingToken);
        }
    }

    private async Task WakeAllAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; attempt <= 5 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            if (await loops.RunAsync(Loop, () => grains.GetGrain<IRegistryGrain>(GrainKeys.Registry).WakeAllAsync(), stoppingToken))
            {
                return;
            }
            // The registry itself may have lived on the silo that left; its next activation answers.
            await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster: silo left: {Silos}; waking its servers on the survivors")]
    private partial void LogSiloLeft(string silos);
}
