using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Persistence;

/// <summary>Rows that expire: each deletes its own, given the time now.</summary>
public interface IRetention
{
    /// <summary>What expires, for the log: "health-log rows".</summary>
    string Name { get; }

    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// Runs every <see cref="IRetention"/> soon after start and then every
/// <see cref="HealthLogOptions.SweepInterval"/>. Every silo sweeps: a delete of what already
/// expired is the same whoever runs it. A failed sweep is logged, counted and tried again next time.
/// </summary>
public sealed partial class RetentionSweeper(
    IEnumerable<IRetention> retentions, IOptions<HealthLogOptions> options, TimeProvider clock, LoopGuard loops, ILogger<RetentionSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan FirstSweep = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = FirstSweep < options.Value.SweepInterval ? FirstSweep : options.Value.SweepInterval;
        try
        {
            while (true)
            {
                await Task.Delay(wait, clock, stoppingToken);
                await SweepAsync(stoppingToken);
                wait = options.Value.SweepInterval;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass over every retention.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var retention in retentions)
        {
            await loops.RunAsync("retention", async () =>
            {
                if (await retention.DeleteExpiredAsync(clock.GetUtcNow(), cancellationToken) is > 0 and var deleted)
                {
                    LogSwept(deleted, retention.Name);
                }
            }, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Count} expired {What}")]
    private partial void LogSwept(int count, string what);
}

/// <summary>Health-log rows older than <see cref="HealthLogOptions.Retention"/>.</summary>
public sealed class HealthLogRetention(IHealthLogRetention store, IOptions<HealthLogOptions> options) : IRetention
{
    public string Name => "health-log rows";

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        store.DeleteOlderThanAsync(now - options.Value.Retention, cancellationToken);
}
